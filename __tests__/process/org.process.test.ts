/**
 * Organization and Dependabot secrets, process level.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FakeKey } from '../../sandbox/aws-fake.js'
import { ID, SECRET, startWorld, TOKEN, type World } from './world.js'

describe('organization and Dependabot targets (process level)', () => {
  let world: World
  let webId: number
  let apiId: number

  beforeEach(async () => {
    world = await startWorld({
      token: {
        kind: 'app',
        permissions: {
          secrets: 'write',
          organization_secrets: 'write',
          dependabot_secrets: 'write'
        }
      }
    })
    world.aws.addUser('deployer')
    world.github.addOrg('acme')
    webId = world.github.addRepo('acme/web').id
    apiId = world.github.addRepo('acme/api').id
    world.github.addRepo('acme/docs')
  })

  afterEach(async () => {
    world.expectNoLeaks()
    await world.close()
  })

  function oldKey(): FakeKey {
    return world.aws.addKey('deployer', { ageDays: 60 })
  }

  it('keeps an organization secret shared with selected repositories shared with exactly those', async () => {
    const old = oldKey()
    for (const [name, value] of [
      [ID, old.accessKeyId],
      [SECRET, old.secretAccessKey]
    ] as const) {
      world.github.setSecret('org:acme', name, value, {
        visibility: 'selected',
        selectedRepositoryIds: [webId, apiId]
      })
    }
    world.github.timeTravel(86_400_000)
    const run = await world.run({
      inputs: { 'github-token': TOKEN, targets: 'org:acme' },
      aws: world.jobCredentials('org:acme')
    })
    expect(run.code).toBe(0)
    world.expectWorkingKeys(['org:acme'])
    const fresh = world.aws.keys('deployer')[0] as FakeKey
    for (const name of [ID, SECRET]) {
      expect(world.github.secret('org:acme', name)).toMatchObject({
        visibility: 'selected',
        selectedRepositoryIds: [webId, apiId]
      })
    }
    expect(world.github.secret('org:acme', ID)?.value).toBe(fresh.accessKeyId)
    // One public-key read, the two secrets' sharing, their repository lists, two writes.
    expect(
      world.github.requests.map((request) => `${request.method} ${request.path.split('?')[0]}`)
    ).toEqual([
      'GET /orgs/acme/actions/secrets/public-key',
      `GET /orgs/acme/actions/secrets/${ID}`,
      `GET /orgs/acme/actions/secrets/${ID}/repositories`,
      `GET /orgs/acme/actions/secrets/${SECRET}`,
      `GET /orgs/acme/actions/secrets/${SECRET}/repositories`,
      `PUT /orgs/acme/actions/secrets/${ID}`,
      `PUT /orgs/acme/actions/secrets/${SECRET}`
    ])
  })

  it('keeps visibility all, and creates a missing organization secret as private', async () => {
    const old = oldKey()
    world.github.setSecret('org:acme', ID, old.accessKeyId, { visibility: 'all' })
    world.github.timeTravel(86_400_000)
    const role = world.aws.addRoleSession('rotator')
    const run = await world.run({
      inputs: {
        'github-token': TOKEN,
        targets: 'org:acme',
        'iam-user-name': 'deployer',
        force: 'true'
      },
      aws: role
    })
    expect(run.code).toBe(0)
    expect(world.github.secret('org:acme', ID)?.visibility).toBe('all')
    expect(world.github.secret('org:acme', SECRET)?.visibility).toBe('private')
    world.expectWorkingKeys(['org:acme'])
  })

  it('writes Dependabot secrets sealed with the Dependabot public key', async () => {
    const old = oldKey()
    world.seed('repo:acme/web', old)
    world.seed('dependabot:acme/web', old)
    const run = await world.run({
      inputs: { 'github-token': TOKEN, targets: 'repo:acme/web\ndependabot:acme/web' },
      aws: world.jobCredentials('repo:acme/web')
    })
    expect(run.code).toBe(0)
    world.expectWorkingKeys(['repo:acme/web', 'dependabot:acme/web'])
    expect(world.github.publicKey('dependabot:acme/web').keyId).not.toBe(
      world.github.publicKey('repo:acme/web').keyId
    )
    expect(
      world.github.requests.some(
        (request) => request.path === '/repos/acme/web/dependabot/secrets/public-key'
      )
    ).toBe(true)
    expect(run.evidence?.targets).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ target: 'dependabot:acme/web', holds: 'new', result: 'written' })
      ])
    )
  })

  it('names the organization permission when the token lacks it', async () => {
    world.github.addToken('limited', { kind: 'app', permissions: { secrets: 'write' } })
    const old = oldKey()
    const run = await world.run({
      inputs: { 'github-token': 'limited', targets: 'org:acme', force: 'true' },
      aws: { accessKeyId: old.accessKeyId, secretAccessKey: old.secretAccessKey }
    })
    expect(run.code).toBe(1)
    expect(world.aws.mutations()).toEqual([])
    expect(JSON.stringify(run.evidence?.failure)).toContain('Organization secrets: Read and write')
  })
})
