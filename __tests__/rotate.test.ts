import { beforeEach, describe, expect, it } from 'vitest'
import { AwsCallError, GitHubCallError } from '../src/rotation/ports.js'
import { rotate, type RotationSettings } from '../src/rotation/rotate.js'
import { parseTarget } from '../src/targets.js'
import { FakeClock, MemoryAws, MemorySecrets, RecordingLog } from './fixtures/memory.js'

const REPO = 'repo:acme/web'
const ENV = 'env:acme/web/prod/eu'
const ID = 'AWS_ACCESS_KEY_ID'
const SECRET = 'AWS_SECRET_ACCESS_KEY'

function settings(overrides: Partial<RotationSettings> = {}): RotationSettings {
  return {
    targets: [parseTarget(REPO), parseTarget(ENV)],
    secretNames: { accessKeyId: ID, secretAccessKey: SECRET },
    rotateAfterDays: 30,
    maxKeyAgeDays: 90,
    force: false,
    deleteAfterDays: 0,
    propagationTimeoutSeconds: 60,
    dryRun: false,
    rotationId: '7-1-abcdef12',
    ...overrides
  }
}

describe('rotate', () => {
  let clock: FakeClock
  let aws: MemoryAws
  let secrets: MemorySecrets
  let log: RecordingLog

  beforeEach(() => {
    clock = new FakeClock()
    aws = new MemoryAws(clock)
    secrets = new MemorySecrets(clock)
    log = new RecordingLog()
    aws.addUser('deployer', '/ci/')
  })

  /** The user runs the action with its own 45-day-old key, which both targets hold. */
  function selfRotationSetup(ageDays = 45) {
    const old = aws.addKey('deployer', ageDays)
    aws.runAs('deployer', old)
    seed(old)
    return old
  }

  /** Both targets hold `key`, written a day ago (by the previous rotation). */
  function seed(key: { id: string; secret: string }) {
    const dayAgo = new Date(clock.time - 86_400_000)
    for (const target of [REPO, ENV]) {
      secrets.set(target, ID, key.id, dayAgo)
      secrets.set(target, SECRET, key.secret, dayAgo)
    }
  }

  function run(overrides: Partial<RotationSettings> = {}) {
    return rotate(settings(overrides), { iam: aws.iam(), secrets, clock, log })
  }

  /** Every target holds a pair that authenticates right now. */
  function expectEveryTargetWorks(targets = [REPO, ENV]) {
    for (const target of targets) {
      const id = secrets.get(target, ID) ?? ''
      expect(
        aws.works(id, secrets.get(target, SECRET) ?? ''),
        `${target} holds a working key`
      ).toBe(true)
    }
  }

  it('rotates a self-rotating user: new key everywhere, old key deactivated then deleted with the new key', async () => {
    const old = selfRotationSetup()
    const record = await run()

    expect(record.outcome).toBe('rotated')
    const keys = aws.keys('deployer')
    expect(keys).toHaveLength(1)
    const [fresh] = keys
    expect(fresh?.id).not.toBe(old.id)
    for (const target of [REPO, ENV]) {
      expect(secrets.get(target, ID)).toBe(fresh?.id)
      expect(secrets.get(target, SECRET)).toBe(fresh?.secret)
    }
    const retire = aws.calls.filter(
      (call) => call.method === 'setKeyStatus' || call.method === 'deleteKey'
    )
    expect(retire.map((call) => [call.method, call.signer])).toEqual([
      ['setKeyStatus', fresh?.id],
      ['deleteKey', fresh?.id]
    ])
    // The old key is touched only after every write.
    const firstRetire = aws.calls.findIndex((call) => call.method === 'setKeyStatus')
    expect(secrets.writes).toHaveLength(4)
    expect(firstRetire).toBeGreaterThan(aws.calls.findIndex((call) => call.method === 'identify'))
    expect(record.oldKey?.status).toBe('Deleted')
    expect(record.newKey?.verifiedArn).toBe('arn:aws:iam::123456789012:user/ci/deployer')
    expect(record.targets.map((target) => [target.target, target.result, target.holds])).toEqual([
      [REPO, 'written', 'new'],
      [ENV, 'written', 'new']
    ])
    expect(record.compliance).toMatchObject({
      compliant: true,
      activeKeys: 1,
      maxActiveKeyAgeDays: 0
    })
    expect(JSON.stringify(record)).not.toContain(fresh?.secret)
    expect(JSON.stringify(record)).not.toContain(fresh?.id)
  })

  it('describes the key it creates and removes the description of the key it deletes', async () => {
    const old = selfRotationSetup()
    aws.tags.set('deployer', new Map([[old.id, 'rotate-aws-access-key 6-1-00000000']]))
    await run()
    const [fresh] = aws.keys('deployer')
    expect([...(aws.tags.get('deployer') ?? [])]).toEqual([
      [fresh?.id, 'rotate-aws-access-key 7-1-abcdef12']
    ])
    const order = aws.calls.map((call) => call.method)
    expect(order.indexOf('describeKey')).toBe(order.indexOf('createKey') + 1)
  })

  it('still rotates when it may not describe keys, with a warning that says what to grant', async () => {
    selfRotationSetup()
    aws.fail('describeKey', () => new AwsCallError('iam:TagUser', 'denied', 'AccessDenied', 'no'))
    const record = await run()
    expect(record.outcome).toBe('rotated')
    expect(log.warnings.join('\n')).toContain('iam:TagUser')
  })

  it('skips a user the exceptions register excepts, leaving it exactly as it is', async () => {
    const old = selfRotationSetup(200)
    aws.addKey('deployer', 300, 'Inactive')
    const seen: string[][] = []
    const exception = {
      line: 3,
      reason: 'vendor',
      approver: 'ciso',
      ticket: 'SEC-1',
      expires: '2027-01-31'
    }
    const record = await rotate(settings(), {
      iam: aws.iam(),
      secrets,
      clock,
      log,
      exceptionFor: (user, keyIds) => {
        seen.push([user, ...keyIds])
        return exception
      }
    })
    expect(record.outcome).toBe('skipped')
    expect(record.exception).toEqual(exception)
    expect(record.decision?.reason).toContain(
      'line 3: vendor; approved by ciso, SEC-1, until 2027-01-31'
    )
    expect(seen[0]?.slice(0, 2)).toEqual(['deployer', old.id])
    expect(aws.mutations()).toEqual([])
    expect(secrets.writes).toEqual([])
  })

  it('rotates an excepted user when force is set, with a warning', async () => {
    selfRotationSetup(200)
    const record = await rotate(settings({ force: true }), {
      iam: aws.iam(),
      secrets,
      clock,
      log,
      exceptionFor: () => ({
        line: 1,
        reason: 'r',
        approver: 'a',
        ticket: 't',
        expires: '2027-01-01'
      })
    })
    expect(record.outcome).toBe('rotated')
    expect(log.warnings.join(' ')).toContain('force is set, so the exception')
  })

  it('skips a key younger than rotate-after-days without any write or IAM change', async () => {
    selfRotationSetup(10)
    const record = await run()
    expect(record.outcome).toBe('skipped')
    expect(record.decision?.reason).toContain('10 days old')
    expect(aws.mutations()).toEqual([])
    expect(secrets.writes).toEqual([])
    expect(secrets.preflights).toEqual([])
  })

  it('rotates a young key when force is set', async () => {
    const old = selfRotationSetup(1)
    const record = await run({ force: true })
    expect(record.outcome).toBe('rotated')
    expect(aws.deleted.has(old.id)).toBe(true)
  })

  it('rotates on every run with rotate-after-days 0', async () => {
    selfRotationSetup(0)
    expect((await run({ rotateAfterDays: 0 })).outcome).toBe('rotated')
  })

  it('plans a dry run after preflight and changes nothing', async () => {
    const old = aws.addKey('deployer', 200, 'Inactive')
    const current = aws.addKey('deployer', 45)
    aws.runAs('deployer', current)
    const record = await run({ dryRun: true })
    expect(record.outcome).toBe('dry-run')
    expect(aws.mutations()).toEqual([])
    expect(secrets.writes).toEqual([])
    expect(secrets.preflights).toEqual([REPO, ENV])
    expect(record.plan.join('\n')).toContain(`Delete inactive key`)
    expect(record.plan.join('\n')).toContain('Deactivate and delete the old key')
    expect(aws.keys('deployer').map((key) => key.id)).toEqual([old.id, current.id])
  })

  it('stops on two active keys, names both, and touches nothing', async () => {
    const first = aws.addKey('deployer', 100)
    const second = aws.addKey('deployer', 20)
    aws.runAs('deployer', first)
    const record = await run({ force: true })
    expect(record.outcome).toBe('failed')
    expect(record.failure?.stage).toBe('resolve')
    expect(record.failure?.message).toContain(`${first.id.slice(0, 4)}…${first.id.slice(-4)}`)
    expect(record.failure?.message).toContain(`${second.id.slice(0, 4)}…${second.id.slice(-4)}`)
    expect(record.failure?.fix).toContain('aws iam update-access-key --user-name deployer')
    expect(aws.mutations()).toEqual([])
    expect(secrets.writes).toEqual([])
  })

  it('deletes an inactive leftover before creating the new key', async () => {
    const leftover = aws.addKey('deployer', 120, 'Inactive')
    const current = aws.addKey('deployer', 45)
    aws.runAs('deployer', current)
    const record = await run()
    expect(record.outcome).toBe('rotated')
    expect(record.removedKeys.map((key) => key.status)).toEqual(['Deleted'])
    const order = aws.mutations().map((call) => [call.method, call.args[1]])
    expect(order[0]).toEqual(['deleteKey', leftover.id])
    expect(order[1]?.[0]).toBe('createKey')
  })

  it('bootstraps the first key of a user with role credentials and iam-user-name', async () => {
    const record = await run({ userName: 'deployer' })
    expect(record.outcome).toBe('rotated')
    expect(record.decision?.action).toBe('bootstrap')
    expect(record.oldKey).toBeUndefined()
    expect(aws.keys('deployer')).toHaveLength(1)
    expectEveryTargetWorks()
  })

  it('refuses role credentials without iam-user-name before any change', async () => {
    const record = await run()
    expect(record.failure?.stage).toBe('inputs')
    expect(record.failure?.message).toContain('iam-user-name')
    expect(record.failure?.message).toContain('assumed-role/rotator')
    expect(aws.mutations()).toEqual([])
  })

  it('names a missing IAM user as an iam-user-name problem', async () => {
    const record = await run({ userName: 'ghost' })
    expect(record.failure?.stage).toBe('inputs')
    expect(record.failure?.message).toContain("IAM user 'ghost' does not exist")
  })

  it('fails preflight for a missing target and changes nothing', async () => {
    selfRotationSetup()
    secrets.missing.add(ENV)
    const record = await run()
    expect(record.failure?.stage).toBe('preflight')
    expect(record.failure?.message).toContain(ENV)
    expect(record.failure?.message).toContain('Nothing was changed')
    expect(aws.mutations()).toEqual([])
    expect(secrets.writes).toEqual([])
  })

  it('puts written targets back to the old key when a later write fails (old secret known)', async () => {
    const old = selfRotationSetup()
    secrets.failWrite.set(3, () => new GitHubCallError('PUT env', 500, 'Server Error'))
    const record = await run()

    expect(record.outcome).toBe('failed')
    expect(record.failure?.stage).toBe('store')
    expect(aws.keys('deployer').map((key) => [key.id, key.status])).toEqual([[old.id, 'Active']])
    expect(secrets.get(REPO, ID)).toBe(old.id)
    expect(secrets.get(REPO, SECRET)).toBe(old.secret)
    expectEveryTargetWorks()
    expect(record.newKey?.status).toBe('Deleted')
    expect(record.targets.map((target) => [target.result, target.holds])).toEqual([
      ['restored', 'old'],
      ['restored', 'old']
    ])
  })

  it('keeps both keys active and says which target holds which when the old secret is unknown', async () => {
    const old = aws.addKey('deployer', 45)
    seed(old)
    secrets.failWrite.set(4, () => new GitHubCallError('PUT env', 502, 'Bad Gateway'))
    const record = await run({ userName: 'deployer' })

    expect(record.failure?.stage).toBe('store')
    expect(aws.keys('deployer').map((key) => key.status)).toEqual(['Active', 'Active'])
    expectEveryTargetWorks()
    expect(record.targets.map((target) => target.holds)).toEqual(['new', 'old'])
    const instructions = record.instructions.join(' ')
    expect(instructions).toContain(`hold the new key`)
    expect(instructions).toContain(REPO)
    expect(instructions).toContain(ENV)
  })

  it('puts the old ID back when only the first write of a target landed, even without the old secret', async () => {
    const old = aws.addKey('deployer', 45)
    seed(old)
    secrets.failWrite.set(2, () => new GitHubCallError('PUT repo', 500, 'Server Error'))
    const record = await run({ userName: 'deployer' })
    expect(record.failure?.stage).toBe('store')
    expect(secrets.get(REPO, ID)).toBe(old.id)
    expectEveryTargetWorks()
    expect(record.newKey?.status).toBe('Deleted')
    expect(aws.keys('deployer')).toHaveLength(1)
  })

  it('waits for propagation and requires consecutive successes', async () => {
    selfRotationSetup()
    aws.newKeyStsRejections = 5
    const started = clock.time
    const record = await run()
    expect(record.outcome).toBe('rotated')
    expect(record.newKey?.verificationAttempts).toBe(7)
    expect(clock.time - started).toBeLessThan(10_000)
  })

  it('deletes the new key and keeps the old one when verification times out', async () => {
    const old = selfRotationSetup()
    aws.newKeyStsRejections = 10_000
    const record = await run({ propagationTimeoutSeconds: 5 })
    expect(record.failure?.stage).toBe('verify')
    expect(record.failure?.fix).toContain('propagation-timeout-seconds')
    expect(secrets.writes).toEqual([])
    expect(aws.keys('deployer').map((key) => key.id)).toEqual([old.id])
    expect(record.newKey?.status).toBe('Deleted')
  })

  it('retries the retirement while IAM does not know the new key yet', async () => {
    const old = selfRotationSetup()
    aws.newKeyIamRejections = 3
    const record = await run()
    expect(record.outcome).toBe('rotated')
    expect(aws.deleted.has(old.id)).toBe(true)
  })

  it('only deactivates with delete-after-days, and a later run deletes once the grace is over', async () => {
    const old = selfRotationSetup()
    const first = await run({ deleteAfterDays: 7 })
    expect(first.outcome).toBe('rotated')
    expect(first.oldKey?.status).toBe('Inactive')
    expect(aws.findKey(old.id)?.key.status).toBe('Inactive')

    const [fresh] = aws.keys('deployer').filter((key) => key.status === 'Active')
    if (!fresh) throw new Error('no new key')
    aws.runAs('deployer', fresh)
    clock.time += 3 * 86_400_000
    const early = await run({ deleteAfterDays: 7 })
    expect(early.outcome).toBe('skipped')
    expect(aws.findKey(old.id)).toBeDefined()

    clock.time += 5 * 86_400_000
    const later = await run({ deleteAfterDays: 7 })
    expect(later.outcome).toBe('skipped')
    expect(aws.findKey(old.id)).toBeUndefined()
    expect(later.removedKeys).toHaveLength(1)
  })

  it('reports a retire failure without undoing the stored key', async () => {
    const old = selfRotationSetup()
    aws.fail(
      'setKeyStatus',
      () => new AwsCallError('iam:UpdateAccessKey', 'denied', 'AccessDenied', 'no')
    )
    const record = await run()
    expect(record.outcome).toBe('failed')
    expect(record.failure?.stage).toBe('retire')
    expect(record.failure?.fix).toContain('iam:UpdateAccessKey')
    const fresh = aws.keys('deployer').find((key) => key.id !== old.id)
    expect(secrets.get(REPO, ID)).toBe(fresh?.id)
    expect(record.instructions.join(' ')).toContain('still Active')
  })

  it('leaves a key made by a create whose answer was lost for the next run to name', async () => {
    selfRotationSetup()
    const iam = aws.iam()
    const lost = {
      ...iam,
      createKey: async (user: string) => {
        await iam.createKey(user)
        throw new AwsCallError('iam:CreateAccessKey', 'transient', 'TimeoutError', 'socket hang up')
      }
    }
    const record = await rotate(settings(), { iam: lost, secrets, clock, log })
    expect(record.failure?.stage).toBe('create')
    expect(secrets.writes).toEqual([])
    expect(aws.keys('deployer')).toHaveLength(2)
    expect(record.instructions.join(' ')).toContain('the next run names it')

    // The key carries no description (its ID never reached the run): a person decides.
    const next = await run()
    expect(next.failure?.stage).toBe('resolve')
    expect(next.failure?.fix).toContain('deleting it is safe')
    expect(aws.keys('deployer')).toHaveLength(2)
    expect(aws.mutations()).toEqual(aws.mutations().filter((call) => call.method === 'createKey'))
  })

  it('a concurrent run that loses the race for the second key changes nothing', async () => {
    const old = selfRotationSetup()
    aws.fail(
      'createKey',
      () => new AwsCallError('iam:CreateAccessKey', 'limit', 'LimitExceededException', 'quota')
    )
    const record = await run()
    expect(record.failure?.stage).toBe('create')
    expect(record.failure?.message).toContain('another rotation running at the same time')
    expect(aws.keys('deployer').map((key) => key.id)).toEqual([old.id])
    expect(aws.calls.filter((call) => call.method === 'deleteKey')).toEqual([])
  })

  describe('an earlier run that stopped halfway', () => {
    /** Simulates a run killed after writing the new key to the first `written` targets. */
    async function interruptedRotation(written: number, secretToo = true) {
      const old = selfRotationSetup()
      const pending = aws.addKey('deployer', 0)
      aws.tags.set('deployer', new Map([[pending.id, 'rotate-aws-access-key 1-1-0badc0de']]))
      const order = [ENV, REPO]
      for (const target of order.slice(0, written)) {
        secrets.set(target, ID, pending.id)
        if (secretToo) secrets.set(target, SECRET, pending.secret)
      }
      clock.time += 60 * 60_000
      return { old, pending }
    }

    it('finishes the rotation when the job runs with the new key', async () => {
      const { old, pending } = await interruptedRotation(1)
      aws.runAs('deployer', pending)
      const record = await run()
      expect(record.outcome).toBe('rotated')
      expect(record.recovery).toMatchObject({ outcome: 'finished', touchedTargets: [ENV] })
      expect(aws.mutations().some((call) => call.method === 'createKey')).toBe(false)
      expect(aws.keys('deployer').map((key) => key.id)).toEqual([pending.id])
      expect(aws.deleted.has(old.id)).toBe(true)
      expectEveryTargetWorks()
      expect(secrets.get(REPO, ID)).toBe(pending.id)
    })

    it('puts the old key back and rotates afresh when the job runs with the old key', async () => {
      const { old, pending } = await interruptedRotation(1)
      const record = await run()
      expect(record.outcome).toBe('rotated')
      expect(record.recovery).toMatchObject({ outcome: 'rolled-back', touchedTargets: [ENV] })
      expect(aws.deleted.has(pending.id)).toBe(true)
      expect(aws.deleted.has(old.id)).toBe(true)
      expect(aws.keys('deployer')).toHaveLength(1)
      expectEveryTargetWorks()
    })

    it('repairs a target left with the new ID and the old secret', async () => {
      const { pending } = await interruptedRotation(1, false)
      aws.caller = { roleArn: 'arn:aws:sts::123456789012:assumed-role/rotator/gha' }
      const record = await run({ userName: 'deployer' })
      expect(record.recovery).toMatchObject({ outcome: 'rolled-back', touchedTargets: [ENV] })
      expect(record.outcome).toBe('rotated')
      expect(aws.deleted.has(pending.id)).toBe(true)
      expectEveryTargetWorks()
    })

    it('stops with the exact instruction when it knows neither secret', async () => {
      const { old, pending } = await interruptedRotation(1)
      aws.caller = { roleArn: 'arn:aws:sts::123456789012:assumed-role/rotator/gha' }
      const writesBefore = secrets.writes.length
      const record = await run({ userName: 'deployer' })
      expect(record.outcome).toBe('failed')
      expect(record.failure?.stage).toBe('recover')
      expect(record.failure?.message).toContain(ENV)
      expect(record.failure?.fix).toContain('Run this action once with the credentials of key')
      expect(record.failure?.fix).toContain(`${pending.id.slice(0, 4)}…${pending.id.slice(-4)}`)
      expect(secrets.writes.length).toBe(writesBefore)
      expect(aws.mutations()).toEqual([])
      expect(aws.keys('deployer').map((key) => key.id)).toEqual([old.id, pending.id])
      expectEveryTargetWorks()
    })

    it('leaves a second key without its description to a person', async () => {
      const { pending } = await interruptedRotation(1)
      aws.tags.clear()
      const record = await run()
      expect(record.failure?.message).toContain('two active access keys')
      expect(record.failure?.message).toContain(`${pending.id.slice(0, 4)}…${pending.id.slice(-4)}`)
      expect(aws.mutations()).toEqual([])
    })

    it('keeps its hands off a described key younger than a run can take', async () => {
      const { pending } = await interruptedRotation(0)
      clock.time -= 60 * 60_000 - 30_000
      const record = await run()
      expect(record.failure?.message).toContain('another rotation of this user is probably running')
      expect(record.failure?.fix).toContain('concurrency group')
      expect(aws.findKey(pending.id)).toBeDefined()
      expect(aws.mutations()).toEqual([])
    })
  })

  it('reports a non-compliant age when a young-enough skip still leaves a key over the limit', async () => {
    selfRotationSetup(95)
    const record = await run({ rotateAfterDays: 100, maxKeyAgeDays: 90 })
    expect(record.outcome).toBe('skipped')
    expect(record.compliance).toMatchObject({ compliant: false, maxActiveKeyAgeDays: 95 })
  })
})
