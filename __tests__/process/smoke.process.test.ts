/**
 * Smoke checks, process level: the old key is retired only when every smoke check passed.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FakeKey } from '../../sandbox/aws-fake.js'
import type { GitHubFault } from '../../sandbox/github-fake.js'
import { ROOT } from '../../sandbox/runner.js'
import {
  SMOKE_FILE,
  stsSmokeWorkflow,
  type SmokeWorkflowOptions
} from '../../sandbox/smoke-workflow.js'
import { ID, startWorld, TOKEN, type World, type WorldOptions } from './world.js'

const REPO = 'repo:acme/web'
const ENV = 'env:acme/web/production'
const TARGETS = `${REPO}\n${ENV}`
const WHOAMI = `node ${join(ROOT, 'sandbox', 'whoami.mjs')}`

describe('smoke checks (process level)', () => {
  let world: World | undefined
  let scratch: string

  beforeEach(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'smoke-test-'))
  })

  afterEach(async () => {
    world?.expectNoLeaks()
    await world?.close()
    world = undefined
    await rm(scratch, { recursive: true, force: true })
  })

  async function setup(
    options: WorldOptions = {},
    workflow: SmokeWorkflowOptions | false = {}
  ): Promise<{ w: World; old: FakeKey }> {
    const w = await startWorld(options)
    world = w
    w.aws.addUser('deployer', { path: '/ci/' })
    w.github.addRepo('acme/web', {
      environments: ['production'],
      workflows: workflow === false ? [] : [stsSmokeWorkflow(w.aws, workflow)]
    })
    const old = w.aws.addKey('deployer', { ageDays: 45 })
    w.seed(REPO, old)
    w.seed(ENV, old)
    return { w, old }
  }

  function expectOldKeyKept(w: World, old: FakeKey): void {
    expect(w.aws.findKey(old.accessKeyId)).toMatchObject({ status: 'Active', deleted: false })
    w.expectWorkingKeys([REPO, ENV])
  }

  const creds = (key: FakeKey) => ({
    accessKeyId: key.accessKeyId,
    secretAccessKey: key.secretAccessKey
  })

  it('retires the old key after the dispatched smoke workflow read the new secrets and passed', async () => {
    const used: string[] = []
    const { w, old } = await setup({}, { onRun: (_ctx, keyId) => used.push(keyId) })
    const run = await w.run({
      inputs: { 'github-token': TOKEN, targets: TARGETS, 'smoke-workflow': SMOKE_FILE },
      aws: creds(old)
    })

    expect(run.code).toBe(0)
    const fresh = w.aws.keys('deployer')[0] as FakeKey
    expect(used).toEqual([fresh.accessKeyId])
    expect(w.aws.findKey(old.accessKeyId)?.deleted).toBe(true)
    const [smokeRun] = w.github.runs('acme/web')
    expect(smokeRun).toMatchObject({ workflow: SMOKE_FILE, ref: 'main', conclusion: 'success' })
    expect(smokeRun?.inputs['rotation-id']).toMatch(/^4242-1-[0-9a-f]{8}$/)
    expect(run.evidence?.smoke).toEqual([
      expect.objectContaining({ kind: 'workflow', result: 'passed', url: smokeRun?.htmlUrl })
    ])
    expect(run.summary).toContain(smokeRun?.htmlUrl)
    // The old key is retired only after the smoke run finished.
    const retiredAt =
      w.aws.mutations().find((request) => request.action === 'UpdateAccessKey')?.at ?? 0
    const lastPoll = Math.max(
      ...w.github.requests
        .filter((request) => request.path.includes('/actions/runs/'))
        .map((request) => request.at)
    )
    expect(retiredAt).toBeGreaterThanOrEqual(lastPoll)
  })

  it('keeps the old key and puts it back everywhere when the smoke workflow fails', async () => {
    const { w, old } = await setup({}, { fail: true })
    const run = await w.run({
      inputs: { 'github-token': TOKEN, targets: TARGETS, 'smoke-workflow': SMOKE_FILE },
      aws: creds(old)
    })

    expect(run.code).not.toBe(0)
    expectOldKeyKept(w, old)
    expect(w.github.secret(REPO, ID)?.value).toBe(old.accessKeyId)
    const [smokeRun] = w.github.runs('acme/web')
    expect(smokeRun?.conclusion).toBe('failure')
    expect(run.evidence).toMatchObject({
      outcome: 'failed',
      failure: { stage: 'smoke' },
      newKey: { status: 'Deleted' }
    })
    expect(run.evidence?.smoke).toEqual([
      expect.objectContaining({ result: 'failed', url: smokeRun?.htmlUrl })
    ])
    expect(run.summary).toContain(smokeRun?.htmlUrl)
    expect(run.stdout).toContain(`::error::Rotation failed at stage 'smoke'`)
  })

  it('fails when the smoke workflow runs past smoke-timeout-seconds, keeping the old key', async () => {
    const { w, old } = await setup({}, { durationMs: 8_000 })
    const run = await w.run({
      inputs: {
        'github-token': TOKEN,
        targets: TARGETS,
        'smoke-workflow': SMOKE_FILE,
        'smoke-timeout-seconds': '3'
      },
      aws: creds(old)
    })
    expect(run.code).not.toBe(0)
    expectOldKeyKept(w, old)
    expect(run.evidence?.smoke).toEqual([expect.objectContaining({ result: 'timed-out' })])
    expect(String((run.evidence?.failure as { message: string }).message)).toContain(
      'did not finish within 3 s'
    )
  })

  it('finds its own run without return_run_details while another run of the workflow starts at the same time', async () => {
    let raced = false
    let decoyRunId = 0
    const { w, old } = await setup(
      {
        github: {
          returnRunDetails: 'ignored',
          onDispatch: (repository, workflow) => {
            if (raced) return
            raced = true
            // Someone else's run, queued right after ours, so it is the newest; it fails.
            decoyRunId =
              world?.github.startRun(repository, workflow, { 'rotation-id': 'someone-else' }) ?? 0
          }
        }
      },
      { fail: (inputs) => inputs['rotation-id'] === 'someone-else' }
    )
    const run = await w.run({
      inputs: { 'github-token': TOKEN, targets: REPO, 'smoke-workflow': SMOKE_FILE },
      aws: creds(old)
    })

    expect(raced).toBe(true)
    expect(run.code).toBe(0)
    const runs = w.github.runs('acme/web')
    expect(runs).toHaveLength(2)
    expect(runs.find((candidate) => candidate.id === decoyRunId)?.conclusion).toBe('failure')
    const ours = runs.find((candidate) => candidate.id !== decoyRunId)
    expect(run.evidence?.smoke).toEqual([
      expect.objectContaining({ result: 'passed', url: ours?.htmlUrl })
    ])
    expect(
      w.github.requests.some((request) =>
        request.path.startsWith('/repos/acme/web/actions/workflows/aws-smoke.yml/runs?')
      )
    ).toBe(true)
    expect(w.aws.findKey(old.accessKeyId)?.deleted).toBe(true)
  })

  it('retries the dispatch without return_run_details when an older server rejects it', async () => {
    const { w, old } = await setup({ github: { returnRunDetails: 'rejected' } })
    const run = await w.run({
      inputs: { 'github-token': TOKEN, targets: REPO, 'smoke-workflow': SMOKE_FILE },
      aws: creds(old)
    })
    expect(run.code).toBe(0)
    const dispatches = w.github.requests.filter((request) => request.path.endsWith('/dispatches'))
    expect(dispatches.map((request) => request.status)).toEqual([422, 204])
  })

  it('runs smoke-command with the new key and no other AWS credentials', async () => {
    const { w } = await setup({}, false)
    const role = w.aws.addRoleSession('key-rotator')
    const seen = join(scratch, 'seen.json')
    const command = `${WHOAMI} > ${seen}\nprintf '%s\\n' "$AWS_ACCESS_KEY_ID" "\${AWS_SESSION_TOKEN:-none}" "$(env | grep -c '^INPUT_' || true)" >> ${seen}\necho "secret is $AWS_SECRET_ACCESS_KEY"`
    const run = await w.run({
      inputs: {
        'github-token': TOKEN,
        targets: TARGETS,
        'iam-user-name': 'deployer',
        'smoke-command': command,
        force: 'true'
      },
      aws: role
    })

    expect(run.code).toBe(0)
    const fresh = w.aws.keys('deployer').find((key) => key.status === 'Active') as FakeKey
    const [identity, keyId, sessionToken, token] = (await readFile(seen, 'utf8')).trim().split('\n')
    expect(JSON.parse(identity ?? '{}')).toMatchObject({
      Arn: `arn:aws:iam::${w.aws.accountId}:user/ci/deployer`
    })
    expect(keyId).toBe(fresh.accessKeyId)
    expect(sessionToken).toBe('none')
    expect(token).toBe('0')
    // The command printed the secret; the action's log shows *** instead (and the leak check agrees).
    expect(run.stdout).toContain('secret is ***')
    expect(run.evidence?.smoke).toEqual([
      expect.objectContaining({ kind: 'command', result: 'passed' })
    ])
  })

  it('keeps the old key when smoke-command fails', async () => {
    const { w, old } = await setup({}, false)
    const run = await w.run({
      inputs: {
        'github-token': TOKEN,
        targets: TARGETS,
        'smoke-command': `echo checking; ${WHOAMI} && exit 3`
      },
      aws: creds(old)
    })
    expect(run.code).not.toBe(0)
    expectOldKeyKept(w, old)
    expect(run.stdout).toContain('checking')
    expect(run.evidence?.smoke).toEqual([
      expect.objectContaining({ result: 'failed', detail: 'exit code 3' })
    ])
    expect(run.evidence).toMatchObject({ failure: { stage: 'smoke' } })
  })

  it('stops a smoke-command that hangs past smoke-timeout-seconds, keeping the old key', async () => {
    const { w, old } = await setup({}, false)
    const marker = join(scratch, 'still-running')
    const started = Date.now()
    const run = await w.run({
      inputs: {
        'github-token': TOKEN,
        targets: TARGETS,
        'smoke-command': `(sleep 6; touch ${marker}) & sleep 60`,
        'smoke-timeout-seconds': '2'
      },
      aws: creds(old)
    })
    expect(run.code).not.toBe(0)
    expect(Date.now() - started).toBeLessThan(30_000)
    expectOldKeyKept(w, old)
    expect(run.evidence?.smoke).toEqual([expect.objectContaining({ result: 'timed-out' })])
    // The whole process group was stopped, the background child included.
    await new Promise((resolve) => setTimeout(resolve, 6_500))
    await expect(readFile(marker)).rejects.toThrow()
  })

  it('fails in preflight, changing nothing, when the smoke workflow does not exist', async () => {
    const { w, old } = await setup({}, false)
    const run = await w.run({
      inputs: { 'github-token': TOKEN, targets: TARGETS, 'smoke-workflow': 'missing.yml' },
      aws: creds(old)
    })
    expect(run.code).not.toBe(0)
    expect(w.aws.mutations()).toEqual([])
    expect(w.github.writes()).toEqual([])
    expect(run.evidence).toMatchObject({ failure: { stage: 'preflight' } })
    expect(String((run.evidence?.failure as { message: string }).message)).toContain(
      'smoke-workflow missing.yml in acme/web'
    )
    expect(w.aws.keys('deployer').map((key) => key.accessKeyId)).toEqual([old.accessKeyId])
  })

  it('dry-run lists the smoke checks in its plan and dispatches nothing', async () => {
    const { w, old } = await setup()
    const run = await w.run({
      inputs: {
        'github-token': TOKEN,
        targets: TARGETS,
        'smoke-workflow': SMOKE_FILE,
        'smoke-command': WHOAMI,
        'dry-run': 'true'
      },
      aws: creds(old)
    })
    expect(run.code).toBe(0)
    expect(w.github.runs()).toEqual([])
    expect(w.github.writes()).toEqual([])
    expect(run.summary).toContain('Run the smoke workflow acme/web aws-smoke.yml@main')
  })

  it('refuses a dispatch fault without retiring the old key', async () => {
    const { w, old } = await setup()
    const fault: GitHubFault = {
      method: 'POST',
      path: /dispatches$/,
      status: 403,
      body: { message: 'Resource not accessible by personal access token' }
    }
    w.github.injectFault(fault)
    const run = await w.run({
      inputs: { 'github-token': TOKEN, targets: TARGETS, 'smoke-workflow': SMOKE_FILE },
      aws: creds(old)
    })
    expect(run.code).not.toBe(0)
    expectOldKeyKept(w, old)
    expect(String((run.evidence?.failure as { fix: string }).fix)).toContain(
      '"Actions: Read and write"'
    )
  })
})
