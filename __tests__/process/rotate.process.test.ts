/**
 * The bundled action, run as the runner runs it, against the local IAM/STS and GitHub fakes.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FakeKey } from '../../sandbox/aws-fake.js'
import { ROOT } from '../../sandbox/runner.js'
import { ID, SECRET, startWorld, TOKEN, type World } from './world.js'

const REPO = 'repo:acme/web'
const ENV = 'env:acme/web/production'
const TARGETS = `${REPO}\n${ENV}`

function redacted(id: string): string {
  return `${id.slice(0, 4)}…${id.slice(-4)}`
}

function credentials(key: FakeKey) {
  return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }
}

describe('rotate (process level)', () => {
  let world: World

  beforeEach(async () => {
    world = await startWorld()
    world.aws.addUser('deployer', { path: '/ci/' })
    world.github.addRepo('acme/web', { environments: ['production', 'prod/eu'] })
  })

  afterEach(async () => {
    world.expectNoLeaks()
    await world.close()
  })

  /** The pipeline's user with a 45-day-old key that both targets hold; the job runs with it. */
  function pipelineKey(ageDays = 45): FakeKey {
    const key = world.aws.addKey('deployer', {
      ageDays,
      lastUsed: { date: new Date(), service: 's3', region: 'eu-west-1' }
    })
    world.seed(REPO, key)
    world.seed(ENV, key)
    return key
  }

  it('rotates into repository and environment secrets and retires the old key', async () => {
    const old = pipelineKey()
    const run = await world.run({
      inputs: { 'github-token': TOKEN, targets: TARGETS },
      aws: credentials(old)
    })

    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const keys = world.aws.keys('deployer')
    expect(keys).toHaveLength(1)
    const fresh = keys[0] as FakeKey
    expect(fresh.accessKeyId).not.toBe(old.accessKeyId)
    expect(world.aws.findKey(old.accessKeyId)?.deleted).toBe(true)
    world.expectWorkingKeys([REPO, ENV])
    expect(world.github.secret(ENV, ID)?.value).toBe(fresh.accessKeyId)

    // The old key was deactivated then deleted, signed with the new key, after every write.
    const retire = world.aws
      .mutations()
      .filter((request) => ['UpdateAccessKey', 'DeleteAccessKey'].includes(request.action))
    expect(retire.map((request) => [request.action, request.accessKeyId])).toEqual([
      ['UpdateAccessKey', fresh.accessKeyId],
      ['DeleteAccessKey', fresh.accessKeyId]
    ])
    // The new key carries this action's description; the deleted key's description is gone.
    expect([...world.aws.user('deployer').tags.keys()]).toEqual([fresh.accessKeyId])
    expect(world.aws.user('deployer').tags.get(fresh.accessKeyId)).toMatch(
      /^rotate-aws-access-key 4242-1-[0-9a-f]{8}$/
    )
    const lastWrite = Math.max(...world.github.writes().map((request) => request.at))
    expect(retire[0]?.at).toBeGreaterThanOrEqual(lastWrite)
    // The new values were masked before anything else was printed.
    const firstLine = run.stdout.indexOf(`::add-mask::${fresh.secretAccessKey}`)
    expect(firstLine).toBeGreaterThanOrEqual(0)
    expect(run.stdout.slice(0, firstLine)).not.toContain('Created key')

    expect(run.outputs).toMatchObject({
      rotated: 'true',
      'new-access-key-id': redacted(fresh.accessKeyId),
      'old-access-key-id': redacted(old.accessKeyId),
      'old-key-age-days': '45',
      'max-active-key-age-days': '0',
      compliant: 'true'
    })
    expect(run.outputs['evidence-file']).toMatch(/aws-key-rotation-evidence\.json$/)
    expect(run.evidence).toMatchObject({
      schemaVersion: 1,
      outcome: 'rotated',
      account: world.aws.accountId,
      user: { arn: `arn:aws:iam::${world.aws.accountId}:user/ci/deployer` },
      oldKey: { id: redacted(old.accessKeyId), status: 'Deleted', ageDays: 45 },
      newKey: {
        id: redacted(fresh.accessKeyId),
        status: 'Active',
        verifiedArn: `arn:aws:iam::${world.aws.accountId}:user/ci/deployer`
      },
      failure: null,
      run: { url: 'https://github.example/acme/web/actions/runs/4242/attempts/1', actor: 'octocat' }
    })
    expect((run.evidence?.targets as unknown[]).length).toBe(2)
    expect(run.summary).toContain('AWS access key rotated')
    expect(run.summary).toContain('env:acme/web/production')
    expect(run.summary).toContain('https://github.example/acme/web/actions/runs/4242/attempts/1')
    expect(run.stdout).toMatch(/::notice title=AWS access key rotation::Rotated the access key/)
  })

  it('skips a young key without any write or IAM change', async () => {
    const old = pipelineKey(5)
    const run = await world.run({
      inputs: { 'github-token': TOKEN, targets: TARGETS },
      aws: credentials(old)
    })
    expect(run.code).toBe(0)
    expect(world.aws.mutations()).toEqual([])
    expect(world.github.requests).toEqual([])
    expect(run.outputs.rotated).toBe('false')
    expect(run.evidence?.outcome).toBe('skipped')
    expect(run.summary).toContain('not due')
  })

  it('skips with dist/index.js alone: the GitHub client and the YAML parser stay unloaded', async () => {
    // Without the lazily loaded chunks beside it, a skip that needed one would fail to import it.
    const alone = await mkdtemp(join(tmpdir(), 'index-alone-'))
    try {
      for (const file of ['index.js', 'package.json']) {
        await copyFile(join(ROOT, 'dist', file), join(alone, file))
      }
      const run = await world.run({
        entry: join(alone, 'index.js'),
        inputs: { 'github-token': TOKEN, targets: TARGETS },
        aws: credentials(pipelineKey(5))
      })
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      expect(run.evidence?.outcome).toBe('skipped')
    } finally {
      await rm(alone, { recursive: true, force: true })
    }
  })

  it('rotates a young key with force', async () => {
    const old = pipelineKey(5)
    const run = await world.run({
      inputs: { 'github-token': TOKEN, targets: TARGETS, force: 'true' },
      aws: credentials(old)
    })
    expect(run.code).toBe(0)
    expect(run.outputs.rotated).toBe('true')
    expect(world.aws.findKey(old.accessKeyId)?.deleted).toBe(true)
    world.expectWorkingKeys([REPO, ENV])
  })

  it('dry-run resolves and preflights but changes nothing', async () => {
    const old = pipelineKey()
    const run = await world.run({
      inputs: { 'github-token': TOKEN, targets: TARGETS, 'dry-run': 'true' },
      aws: credentials(old)
    })
    expect(run.code).toBe(0)
    expect(world.aws.mutations()).toEqual([])
    expect(world.github.writes()).toEqual([])
    expect(world.github.requests.map((request) => request.path)).toEqual([
      '/repos/acme/web/actions/secrets/public-key',
      '/repos/acme/web/environments/production/secrets/public-key'
    ])
    expect(run.evidence?.outcome).toBe('dry-run')
    expect(run.summary).toContain('Plan')
    expect(run.summary).toContain('Deactivate and delete the old key')
  })

  it('stops on two active keys, names both, and touches nothing', async () => {
    const old = pipelineKey()
    const other = world.aws.addKey('deployer', { ageDays: 3 })
    const run = await world.run({
      inputs: { 'github-token': TOKEN, targets: TARGETS, force: 'true' },
      aws: credentials(old)
    })
    expect(run.code).not.toBe(0)
    expect(world.aws.mutations()).toEqual([])
    expect(world.github.requests).toEqual([])
    const error = run.stdout.split('\n').find((line) => line.startsWith('::error::')) ?? ''
    expect(error).toContain(redacted(old.accessKeyId))
    expect(error).toContain(redacted(other.accessKeyId))
    expect(error).toContain('aws iam update-access-key')
    expect(run.evidence?.failure).toMatchObject({ stage: 'resolve' })
  })

  it('clears an inactive leftover key before creating the new one', async () => {
    const leftover = world.aws.addKey('deployer', { ageDays: 120, status: 'Inactive' })
    const old = pipelineKey()
    const run = await world.run({
      inputs: { 'github-token': TOKEN, targets: TARGETS },
      aws: credentials(old)
    })
    expect(run.code).toBe(0)
    const mutations = world.aws
      .mutations()
      .filter((request) => request.action.endsWith('AccessKey'))
    expect(mutations[0]).toMatchObject({
      action: 'DeleteAccessKey',
      params: { AccessKeyId: leftover.accessKeyId }
    })
    expect(mutations[1]).toMatchObject({ action: 'CreateAccessKey' })
    expect(world.aws.keys('deployer')).toHaveLength(1)
    world.expectWorkingKeys([REPO, ENV])
    expect(run.evidence?.removedKeys).toEqual([
      expect.objectContaining({ id: redacted(leftover.accessKeyId), status: 'Deleted' })
    ])
  })

  it('bootstraps the first key of a user with role credentials and iam-user-name', async () => {
    const role = world.aws.addRoleSession('key-rotator')
    const run = await world.run({
      inputs: { 'github-token': TOKEN, targets: TARGETS, 'iam-user-name': 'deployer' },
      aws: role
    })
    expect(run.code).toBe(0)
    expect(world.aws.keys('deployer')).toHaveLength(1)
    world.expectWorkingKeys([REPO, ENV])
    expect(run.evidence).toMatchObject({
      decision: { action: 'bootstrap' },
      oldKey: null,
      selfRotation: false
    })
  })

  it('keeps the old key and every target working when the second target fails with 500', async () => {
    const old = pipelineKey()
    world.github.injectFault({
      method: 'PUT',
      path: /^\/repos\/acme\/web\/environments\/production\/secrets\//,
      status: 500,
      times: 10
    })
    const run = await world.run({
      inputs: { 'github-token': TOKEN, targets: TARGETS },
      aws: credentials(old)
    })
    expect(run.code).not.toBe(0)
    expect(world.aws.findKey(old.accessKeyId)).toMatchObject({ status: 'Active', deleted: false })
    expect(world.aws.keys('deployer')).toHaveLength(1)
    world.expectWorkingKeys([REPO, ENV])
    expect(world.github.secret(REPO, ID)?.value).toBe(old.accessKeyId)
    expect(run.evidence).toMatchObject({
      outcome: 'failed',
      failure: { stage: 'store' },
      newKey: { status: 'Deleted' }
    })
    expect(run.outputs.rotated).toBe('false')
    expect(run.summary).toContain('failed at store')
  })

  it('keeps both keys and lists the holders when the old secret is unknown (role credentials)', async () => {
    const old = pipelineKey()
    const role = world.aws.addRoleSession('key-rotator')
    // The workflow's own repository is written last: the environment first, then the repo fails.
    world.github.injectFault({
      method: 'PUT',
      path: `/repos/acme/web/actions/secrets/${SECRET}`,
      status: 500,
      times: 10
    })
    const run = await world.run({
      inputs: { 'github-token': TOKEN, targets: TARGETS, 'iam-user-name': 'deployer' },
      aws: role
    })
    expect(run.code).not.toBe(0)
    world.expectWorkingKeys([REPO, ENV])
    expect(world.aws.keys('deployer').map((key) => key.status)).toEqual(['Active', 'Active'])
    expect(world.github.secret(ENV, ID)?.value).not.toBe(old.accessKeyId)
    expect(world.github.secret(REPO, ID)?.value).toBe(old.accessKeyId)
    expect(JSON.stringify(run.evidence?.instructions)).toContain(`hold the new key`)
  })

  it('finds a read-only token at the first write and leaves nothing changed', async () => {
    const old = pipelineKey()
    world.github.addToken('read-only', {
      kind: 'pat-fine-grained',
      permissions: { secrets: 'read', environments: 'read' }
    })
    const run = await world.run({
      inputs: { 'github-token': 'read-only', targets: TARGETS },
      aws: credentials(old)
    })
    expect(run.code).toBe(1)
    expect(world.aws.keys('deployer').map((key) => key.accessKeyId)).toEqual([old.accessKeyId])
    expect(world.github.secret(REPO, ID)?.value).toBe(old.accessKeyId)
    world.expectWorkingKeys([REPO, ENV])
    expect(run.evidence).toMatchObject({
      failure: { stage: 'store' },
      newKey: { status: 'Deleted' }
    })
    expect(JSON.stringify(run.evidence?.failure)).toContain('Read and write')
  })

  it('retries a transient 502 from GitHub', async () => {
    const old = pipelineKey()
    world.github.injectFault({
      method: 'PUT',
      path: `/repos/acme/web/actions/secrets/${SECRET}`,
      status: 502,
      times: 1
    })
    const run = await world.run({
      inputs: { 'github-token': TOKEN, targets: TARGETS },
      aws: credentials(old)
    })
    expect(run.code).toBe(0)
    const puts = world.github.requests.filter(
      (request) => request.path === `/repos/acme/web/actions/secrets/${SECRET}`
    )
    expect(puts.map((request) => request.status)).toEqual([502, 204])
    world.expectWorkingKeys([REPO, ENV])
  })

  it('waits out a propagation delay of several seconds', async () => {
    const old = pipelineKey()
    world.aws.setPropagationDelay(3000, 4000)
    const run = await world.run({
      inputs: { 'github-token': TOKEN, targets: TARGETS },
      aws: credentials(old)
    })
    expect(run.code).toBe(0)
    const stsCalls = world.aws.requests.filter(
      (request) =>
        request.action === 'GetCallerIdentity' && request.errorCode === 'InvalidClientTokenId'
    )
    expect(stsCalls.length).toBeGreaterThan(1)
    const verification = (run.evidence?.newKey as { verificationMs: number }).verificationMs
    expect(verification).toBeGreaterThanOrEqual(3000)
    expect(verification).toBeLessThan(5000)
    expect(world.aws.findKey(old.accessKeyId)?.deleted).toBe(true)
    world.expectWorkingKeys([REPO, ENV])
  })

  it('with delete-after-days only deactivates, and a later run deletes once the grace is over', async () => {
    const old = pipelineKey()
    const inputs = { 'github-token': TOKEN, targets: TARGETS, 'delete-after-days': '7' }
    const first = await world.run({ inputs, aws: credentials(old) })
    expect(first.code).toBe(0)
    expect(world.aws.findKey(old.accessKeyId)).toMatchObject({ status: 'Inactive', deleted: false })
    expect(first.evidence).toMatchObject({ oldKey: { status: 'Inactive' } })
    world.expectWorkingKeys([REPO, ENV])

    const fresh = world.aws.keys('deployer').find((key) => key.status === 'Active') as FakeKey
    const early = await world.run({ inputs, aws: credentials(fresh) })
    expect(early.code).toBe(0)
    expect(world.aws.findKey(old.accessKeyId)?.deleted).toBe(false)

    fresh.createDate = new Date(Date.now() - 8 * 86_400_000)
    const later = await world.run({ inputs, aws: credentials(fresh) })
    expect(later.code).toBe(0)
    expect(later.evidence).toMatchObject({
      outcome: 'skipped',
      removedKeys: [expect.objectContaining({ id: redacted(old.accessKeyId), status: 'Deleted' })]
    })
    expect(world.aws.findKey(old.accessKeyId)?.deleted).toBe(true)
    expect(world.github.writes()).toHaveLength(4)
  })

  it('skips a user the exceptions register excepts, and shows the entry', async () => {
    const old = pipelineKey(120)
    const dir = await mkdtemp(join(tmpdir(), 'register-'))
    await writeFile(
      join(dir, 'exceptions.yml'),
      [
        'exceptions:',
        '  - user: deployer',
        '    reason: Vendor appliance cannot take a new key before its firmware update',
        '    approver: jane.doe@example.com',
        '    ticket: SEC-1234',
        '    expires: 2099-12-31'
      ].join('\n')
    )
    const run = await world.run({
      inputs: { 'github-token': TOKEN, targets: TARGETS, exceptions: 'exceptions.yml' },
      aws: credentials(old),
      env: { GITHUB_WORKSPACE: dir }
    })
    await rm(dir, { recursive: true, force: true })
    expect(run.code).toBe(0)
    expect(world.aws.mutations()).toEqual([])
    expect(world.github.requests).toEqual([])
    expect(run.evidence).toMatchObject({
      outcome: 'skipped',
      exception: {
        line: 2,
        approver: 'jane.doe@example.com',
        ticket: 'SEC-1234',
        expires: '2099-12-31'
      }
    })
    expect(run.summary).toContain('Excepted by the exceptions register')
    expect(run.outputs.compliant).toBe('false')
  })

  it("shows the rotation history: the previous key's age at rotation and the next due date", async () => {
    const old = pipelineKey(45)
    const run = await world.run({
      inputs: { 'github-token': TOKEN, targets: TARGETS },
      aws: credentials(old)
    })
    expect(run.code).toBe(0)
    expect(run.summary).toContain('Rotation history')
    expect(run.summary).toContain(`${redacted(old.accessKeyId)}: 45 days old`)
    const due = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)
    expect(run.summary).toContain(due)
  })

  it('handles an environment name that contains a slash', async () => {
    const old = pipelineKey()
    world.seed('env:acme/web/prod/eu', old)
    const run = await world.run({
      inputs: { 'github-token': TOKEN, targets: 'env:acme/web/prod/eu' },
      aws: credentials(old)
    })
    expect(run.code).toBe(0)
    expect(
      world.github.requests.some((request) =>
        request.path.includes('/environments/prod%2Feu/secrets/')
      )
    ).toBe(true)
    world.expectWorkingKeys(['env:acme/web/prod/eu'])
  })
})

describe('rotate against GitHub Enterprise Server (process level)', () => {
  it('uses GITHUB_API_URL with /api/v3', async () => {
    const world = await startWorld({ github: { pathPrefix: '/api/v3' } })
    try {
      world.aws.addUser('deployer')
      world.github.addRepo('acme/web')
      const old = world.aws.addKey('deployer', { ageDays: 40 })
      world.seed(REPO, old)
      expect(world.github.url).toMatch(/\/api\/v3$/)
      const run = await world.run({
        inputs: { 'github-token': TOKEN, targets: REPO },
        aws: credentials(old)
      })
      expect(run.code).toBe(0)
      world.expectWorkingKeys([REPO])
      world.expectNoLeaks()
    } finally {
      await world.close()
    }
  })
})
