/**
 * Bad input fails before any change: no key created, no secret written, a non-zero exit, and a
 * message that names the input (or line) and the fix.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FakeKey } from '../../sandbox/aws-fake.js'
import type { ActionRun } from '../../sandbox/runner.js'
import { startWorld, TOKEN, type World } from './world.js'

const GITHUB_TOKEN_LIKE = 'ghs_workflowtoken0123456789abcdef'

describe('bad input (process level)', () => {
  let world: World
  let key: FakeKey

  beforeAll(async () => {
    world = await startWorld()
    world.github.addToken(GITHUB_TOKEN_LIKE, {
      kind: 'github-token',
      permissions: { actions: 'write' }
    })
    world.aws.addUser('deployer')
    world.github.addRepo('acme/web', { environments: ['production'] })
    key = world.aws.addKey('deployer', { ageDays: 45 })
    world.seed('repo:acme/web', key)
  })

  afterAll(async () => {
    world.expectNoLeaks()
    await world.close()
  })

  function errorText(run: ActionRun): string {
    const line = run.stdout.split('\n').find((candidate) => candidate.startsWith('::error')) ?? ''
    return decodeURIComponent(line.replace(/%0A/g, '\n').replace(/%25/g, '%25'))
  }

  async function expectRefused(
    inputs: Record<string, string>,
    ...mentions: string[]
  ): Promise<ActionRun> {
    const before = { aws: world.aws.mutations().length, github: world.github.writes().length }
    const run = await world.run({
      inputs: { 'github-token': TOKEN, targets: 'repo:acme/web', force: 'true', ...inputs },
      aws: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }
    })
    expect(run.code).toBe(1)
    expect(world.aws.mutations().length).toBe(before.aws)
    expect(world.github.writes().length).toBe(before.github)
    expect(world.aws.keys('deployer').map((found) => found.accessKeyId)).toEqual([key.accessKeyId])
    const message = errorText(run)
    for (const mention of mentions) expect(message).toContain(mention)
    expect(run.evidence).toMatchObject({ outcome: 'failed' })
    expect(run.outputs.rotated).toBe('false')
    world.expectWorkingKeys(['repo:acme/web'])
    return run
  }

  it.each([
    [{ mode: 'rotat' }, ['mode', `use 'rotate' or 'audit'`]],
    [{ targets: 'nonsense' }, ['targets line 1', 'repo:OWNER/REPO']],
    [
      { targets: 'repo:acme/web\nrepo:acme' },
      ['targets line 2', `'repo:acme' is not a repository`]
    ],
    [
      { targets: 'env:acme/app' },
      ['targets line 1', 'does not name an environment', 'env:OWNER/REPO/ENVIRONMENT']
    ],
    [{ 'rotate-after-days': '-1' }, ['rotate-after-days', 'whole number']],
    [{ 'rotate-after-days': '1.5' }, ['rotate-after-days', 'whole number']],
    [{ 'rotate-after-days': 'thirty' }, ['rotate-after-days', 'whole number']],
    [{ 'max-key-age-days': '0' }, ['max-key-age-days', 'at least 1']],
    [{ 'delete-after-days': '-7' }, ['delete-after-days', 'whole number']],
    [
      { 'propagation-timeout-seconds': '2.5' },
      ['propagation-timeout-seconds', 'whole number of seconds']
    ],
    [{ 'propagation-timeout-seconds': 'soon' }, ['propagation-timeout-seconds']],
    [{ 'github-token': '' }, ['github-token is empty', 'GITHUB_TOKEN cannot write secrets']],
    [{ force: 'yes' }, ['force', 'true or false']]
  ])('refuses %j', async (inputs, mentions) => {
    const run = await expectRefused(inputs, ...mentions)
    // Input errors stop before any AWS or GitHub call.
    expect(run.evidence).toMatchObject({ failure: { stage: 'inputs' } })
  })

  it('lists every input problem at once', async () => {
    await expectRefused(
      { mode: 'x', 'rotate-after-days': '-1', targets: 'repo:acme' },
      'mode',
      'rotate-after-days',
      'targets line 1'
    )
  })

  it('refuses an environment that does not exist', async () => {
    await expectRefused(
      { targets: 'repo:acme/web\nenv:acme/web/staging' },
      `environment 'staging' does not exist in acme/web`,
      'Settings → Environments'
    )
  })

  it('refuses a repository that does not exist', async () => {
    await expectRefused(
      { targets: 'repo:acme/web\nrepo:acme/ghost' },
      'repo:acme/ghost',
      'not found'
    )
  })

  it("explains that the workflow's GITHUB_TOKEN cannot write secrets", async () => {
    await expectRefused(
      { 'github-token': GITHUB_TOKEN_LIKE },
      'Resource not accessible by integration',
      "The workflow's GITHUB_TOKEN can never write secrets",
      '"Secrets: Read and write"'
    )
  })

  it('explains a classic token without the repo scope', async () => {
    world.github.addToken('ghp_classicreadonly0123456789', {
      kind: 'pat-classic',
      scopes: ['read:org']
    })
    await expectRefused(
      { 'github-token': 'ghp_classicreadonly0123456789' },
      'classic token',
      'repo scope'
    )
  })

  it('refuses role credentials without iam-user-name', async () => {
    const role = world.aws.addRoleSession('rotator')
    const before = world.aws.mutations().length
    const run = await world.run({
      inputs: { 'github-token': TOKEN, targets: 'repo:acme/web' },
      aws: role
    })
    expect(run.code).toBe(1)
    expect(world.aws.mutations().length).toBe(before)
    expect(errorText(run)).toContain('iam-user-name')
    expect(errorText(run)).toContain('assumed-role/rotator')
  })

  it('refuses an IAM user that does not exist', async () => {
    const role = world.aws.addRoleSession('rotator2')
    const run = await world.run({
      inputs: { 'github-token': TOKEN, targets: 'repo:acme/web', 'iam-user-name': 'ghost' },
      aws: role
    })
    expect(run.code).toBe(1)
    expect(errorText(run)).toContain(`IAM user 'ghost' does not exist`)
  })
})
