/**
 * A fleet file (config) with several IAM users, process level: each user rotates on its own.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FakeKey, RoleSession } from '../../sandbox/aws-fake.js'
import type { ActionRun } from '../../sandbox/runner.js'
import { ID, SECRET, startWorld, TOKEN, type World } from './world.js'

const FLEET = `# The CI users of acme
defaults:
  rotate-after-days: 30
users:
  - iam-user-name: alpha
    targets:
      - repo:acme/web
      - env:acme/web/production
  - iam-user-name: beta
    targets:
      - target: org:acme
        access-key-id-secret-name: BETA_AWS_ACCESS_KEY_ID
        secret-access-key-secret-name: BETA_AWS_SECRET_ACCESS_KEY
      - dependabot:acme/api
  - iam-user-name: gamma
    targets:
      - repo:acme/gone
`

describe('fleet file (process level)', () => {
  let world: World
  let workspace: string
  let role: RoleSession
  const keys: Record<string, FakeKey> = {}

  beforeEach(async () => {
    world = await startWorld({
      token: {
        kind: 'app',
        permissions: {
          secrets: 'write',
          environments: 'write',
          organization_secrets: 'write',
          dependabot_secrets: 'write'
        }
      }
    })
    workspace = await mkdtemp(join(tmpdir(), 'fleet-'))
    world.github.addOrg('acme')
    world.github.addRepo('acme/web', { environments: ['production'] })
    const api = world.github.addRepo('acme/api').id
    for (const name of ['alpha', 'beta', 'gamma']) {
      world.aws.addUser(name, { path: '/ci/' })
      keys[name] = world.aws.addKey(name, { ageDays: 50 })
    }
    world.seed('repo:acme/web', keys.alpha as FakeKey)
    world.seed('env:acme/web/production', keys.alpha as FakeKey)
    const beta = keys.beta as FakeKey
    world.github.setSecret('org:acme', 'BETA_AWS_ACCESS_KEY_ID', beta.accessKeyId, {
      visibility: 'selected',
      selectedRepositoryIds: [api]
    })
    world.github.setSecret('org:acme', 'BETA_AWS_SECRET_ACCESS_KEY', beta.secretAccessKey, {
      visibility: 'selected',
      selectedRepositoryIds: [api]
    })
    world.seed('dependabot:acme/api', beta)
    role = world.aws.addRoleSession('key-rotator')
  })

  afterEach(async () => {
    world.expectNoLeaks()
    await world.close()
    await rm(workspace, { recursive: true, force: true })
  })

  async function runFleet(text: string, inputs: Record<string, string> = {}): Promise<ActionRun> {
    await writeFile(join(workspace, 'fleet.yml'), text)
    return world.run({
      inputs: { 'github-token': TOKEN, config: 'fleet.yml', ...inputs },
      aws: role,
      env: { GITHUB_WORKSPACE: workspace }
    })
  }

  function works(scope: string, idName = ID, secretName = SECRET): boolean {
    return world.aws.authenticates(
      world.github.secret(scope, idName)?.value ?? '',
      world.github.secret(scope, secretName)?.value ?? '',
      'sts'
    )
  }

  it("rotates each user on its own: one user's failure neither stops nor touches the others", async () => {
    const run = await runFleet(FLEET)

    expect(run.code).toBe(1)
    // alpha and beta rotated: new keys everywhere, old keys gone.
    for (const name of ['alpha', 'beta']) {
      const [only] = world.aws.keys(name)
      expect(world.aws.keys(name)).toHaveLength(1)
      expect(only?.accessKeyId).not.toBe(keys[name]?.accessKeyId)
    }
    expect(works('repo:acme/web') && works('env:acme/web/production')).toBe(true)
    expect(works('org:acme', 'BETA_AWS_ACCESS_KEY_ID', 'BETA_AWS_SECRET_ACCESS_KEY')).toBe(true)
    expect(works('dependabot:acme/api')).toBe(true)
    expect(world.github.secret('org:acme', 'BETA_AWS_ACCESS_KEY_ID')).toMatchObject({
      visibility: 'selected'
    })
    expect(world.github.secret('org:acme', ID)).toBeUndefined()
    // gamma failed in preflight: its key is untouched.
    expect(world.aws.keys('gamma').map((key) => key.accessKeyId)).toEqual([keys.gamma?.accessKeyId])

    expect(run.evidence).toMatchObject({
      outcome: 'failed',
      fleet: { file: 'fleet.yml', users: 3 },
      failure: { message: expect.stringContaining('gamma (preflight)') },
      users: [
        expect.objectContaining({
          outcome: 'rotated',
          user: expect.objectContaining({ name: 'alpha' })
        }),
        expect.objectContaining({
          outcome: 'rotated',
          user: expect.objectContaining({ name: 'beta' })
        }),
        expect.objectContaining({
          outcome: 'failed',
          failure: expect.objectContaining({ stage: 'preflight' })
        })
      ]
    })
    expect(run.summary).toContain('1 of 3 IAM users failed')
    expect(run.summary).toMatch(/<td>gamma<\/td><td>failed at preflight<\/td>/)
    expect(run.stdout).toMatch(/::error::1 of 3 IAM users failed/)
    expect(run.outputs).toMatchObject({
      rotated: 'true',
      compliant: 'true',
      'max-active-key-age-days': '50'
    })
  })

  it('rotates only the user named by iam-user-name (one matrix job per user)', async () => {
    const run = await runFleet(FLEET, { 'iam-user-name': 'beta' })
    expect(run.code).toBe(0)
    expect(world.aws.keys('beta').map((key) => key.accessKeyId)).not.toContain(
      keys.beta?.accessKeyId
    )
    expect(world.aws.keys('alpha').map((key) => key.accessKeyId)).toEqual([keys.alpha?.accessKeyId])
    expect(world.aws.keys('gamma').map((key) => key.accessKeyId)).toEqual([keys.gamma?.accessKeyId])
    expect(run.evidence).toMatchObject({ outcome: 'rotated', user: { name: 'beta' } })
  })

  it('refuses an invalid fleet file before any AWS or GitHub call, naming the line', async () => {
    const broken = FLEET.replace('      - repo:acme/web\n', '      - repo:acme\n')
    const run = await runFleet(broken)
    expect(run.code).toBe(1)
    expect(world.aws.requests).toEqual([])
    expect(world.github.requests).toEqual([])
    const error = run.stdout.split('\n').find((line) => line.startsWith('::error::')) ?? ''
    expect(error).toContain('fleet.yml line 7')
    expect(error).toContain("'repo:acme' is not a repository")
  })

  it('names the users of the file when iam-user-name is not in it', async () => {
    const run = await runFleet(FLEET, { 'iam-user-name': 'delta' })
    expect(run.code).toBe(1)
    expect(world.aws.requests).toEqual([])
    const error = run.stdout.split('\n').find((line) => line.startsWith('::error::')) ?? ''
    expect(error).toContain('delta')
    expect(error).toContain('alpha')
  })
})
