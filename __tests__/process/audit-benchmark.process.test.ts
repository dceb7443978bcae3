/**
 * Benchmark: auditing every user of a 1,000-user account reads one credential report, so the
 * number of IAM calls does not grow with the account, and the run stays fast.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addAuditPopulation } from '../../sandbox/audit-population.js'
import { startWorld, type World } from './world.js'

const USERS = 1_000
const MAX_IAM_CALLS = 5
const MAX_WALL_MS = 5_000

describe('audit benchmark (process level)', () => {
  let world: World
  let keyCount = 0

  beforeAll(async () => {
    world = await startWorld()
    keyCount = addAuditPopulation(world.aws, USERS)
  })

  afterAll(async () => {
    world.expectNoLeaks()
    await world.close()
  })

  it(`audits ${USERS} users with at most ${MAX_IAM_CALLS} IAM calls in under ${MAX_WALL_MS / 1000} s`, async () => {
    const role = world.aws.addRoleSession('auditor')
    const run = await world.run({
      inputs: { mode: 'audit', 'github-token': '', 'iam-user-name': '*' },
      aws: role
    })

    const iamCalls = world.aws.requests.filter((request) => request.service === 'iam')
    console.log(
      `audit benchmark: ${USERS} users, ${iamCalls.length} IAM call(s) ` +
        `(${iamCalls.map((request) => request.action).join(', ')}), ` +
        `${world.aws.requests.length - iamCalls.length} STS call(s), wall time ${run.durationMs} ms, ` +
        `summary ${Buffer.byteLength(run.summary)} bytes, evidence ${Buffer.byteLength(run.evidenceText)} bytes`
    )
    expect(run.stderr).toBe('')
    expect(run.evidence).toMatchObject({ outcome: 'audited', totals: { users: USERS } })
    expect(iamCalls.length).toBeLessThanOrEqual(MAX_IAM_CALLS)
    expect(iamCalls.map((request) => request.action)).toEqual([
      'GenerateCredentialReport',
      'GenerateCredentialReport',
      'GetCredentialReport'
    ])
    expect(run.durationMs).toBeLessThan(MAX_WALL_MS)
    expect(world.aws.mutations()).toEqual([])
    expect(world.github.requests).toEqual([])
    // Every key is in the evidence, even if the summary had to leave some out.
    const keys = (run.evidence as { keys: unknown[] }).keys
    expect(keys).toHaveLength(keyCount)
  })
})
