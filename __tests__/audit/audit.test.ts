import { describe, expect, it } from 'vitest'
import {
  audit,
  PER_USER_READ_LIMIT,
  REPORT_TIMEOUT_MS,
  type AuditScope
} from '../../src/audit/audit.js'
import type { AuditIam, CredentialReportState } from '../../src/audit/ports.js'
import { parseRegister } from '../../src/audit/register-file.js'
import { EMPTY_REGISTER, type ExceptionsRegister } from '../../src/audit/register.js'
import { AwsCallError, type AccessKey } from '../../src/rotation/ports.js'
import { CREDENTIAL_REPORT_COLUMNS } from '../../sandbox/aws-fake.js'
import { ACCOUNT, FakeClock, RecordingLog } from '../fixtures/memory.js'

const DAY = 86_400_000
/** AWS's column order; __tests__/sandbox/aws-fake.test.ts pins it to the documented header. */
const HEADER = CREDENTIAL_REPORT_COLUMNS.join(',')

interface MemUser {
  arn: string
  keys: AccessKey[]
}

/** An in-memory AuditIam that counts calls; the credential report takes `reportPolls` to finish. */
class MemoryAuditIam implements AuditIam {
  readonly calls: string[] = []
  readonly users = new Map<string, MemUser>()
  callerArn = `arn:aws:sts::${ACCOUNT}:assumed-role/auditor/gha`
  reportPolls = 1
  reportGeneratedAt: Date
  denied = new Set<string>()

  constructor(private readonly clock: FakeClock) {
    this.reportGeneratedAt = clock.now()
  }

  addUser(name: string, ...keys: Array<Partial<AccessKey> & { ageDays: number }>): void {
    this.users.set(name, {
      arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
      keys: keys.map((key, index) => ({
        id: key.id ?? `AKIA${name.toUpperCase().padEnd(15, 'X').slice(0, 15)}${index}`,
        status: key.status ?? 'Active',
        createdAt: new Date(this.clock.now().getTime() - key.ageDays * DAY),
        lastUsed: key.lastUsed ?? { date: this.clock.now(), service: 's3', region: 'eu-west-1' }
      }))
    })
  }

  private record(call: string): void {
    this.calls.push(call)
    if (this.denied.has(call)) throw new AwsCallError(call, 'denied', 'AccessDenied', 'denied')
  }

  async caller() {
    this.record('sts:GetCallerIdentity')
    return { arn: this.callerArn, account: ACCOUNT }
  }

  async getUser(name: string) {
    this.record('iam:GetUser')
    const user = this.users.get(name)
    if (!user) throw new AwsCallError('iam:GetUser', 'not-found', 'NoSuchEntity', 'no user')
    return { name, arn: user.arn }
  }

  async listKeys(name: string) {
    this.record('iam:ListAccessKeys')
    const user = this.users.get(name)
    if (!user) throw new AwsCallError('iam:ListAccessKeys', 'not-found', 'NoSuchEntity', 'no user')
    return user.keys.map((key) => ({ ...key }))
  }

  async keyOwner(keyId: string) {
    this.record('iam:GetAccessKeyLastUsed')
    for (const [name, user] of this.users)
      if (user.keys.some((key) => key.id === keyId)) return name
    return undefined
  }

  async generateCredentialReport(): Promise<CredentialReportState> {
    this.record('iam:GenerateCredentialReport')
    if (this.reportPolls <= 0) return 'COMPLETE'
    this.reportPolls -= 1
    return 'STARTED'
  }

  async getCredentialReport() {
    this.record('iam:GetCredentialReport')
    const date = (value: Date): string => value.toISOString().replace('.000Z', '+00:00')
    const rows = [...this.users].map(([name, user]) => {
      const keys = [...user.keys].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      const slot = (key: AccessKey | undefined): string =>
        key
          ? [
              String(key.status === 'Active'),
              date(key.createdAt),
              key.lastUsed?.date ? date(key.lastUsed.date) : 'N/A',
              key.lastUsed?.region ?? 'N/A',
              key.lastUsed?.service ?? 'N/A'
            ].join(',')
          : 'false,N/A,N/A,N/A,N/A'
      return `${name},${user.arn},N/A,false,N/A,N/A,N/A,false,${slot(keys[0])},${slot(keys[1])},false,N/A,false,N/A`
    })
    return { csv: [HEADER, ...rows].join('\n'), generatedAt: this.reportGeneratedAt }
  }
}

function setup() {
  const clock = new FakeClock()
  const iam = new MemoryAuditIam(clock)
  const log = new RecordingLog()
  const run = (scope: AuditScope, register: ExceptionsRegister = EMPTY_REGISTER) =>
    audit({ scope, maxKeyAgeDays: 90, deleteAfterDays: 0, register }, { iam, clock, log })
  return { clock, iam, log, run }
}

describe('audit', () => {
  it('reads every user from one credential report: a constant number of calls', async () => {
    const { iam, run } = setup()
    for (let index = 0; index < 200; index += 1) iam.addUser(`user${index}`, { ageDays: index })
    const record = await run({ kind: 'account' })
    expect(iam.calls).toEqual([
      'sts:GetCallerIdentity',
      'iam:GenerateCredentialReport',
      'iam:GenerateCredentialReport',
      'iam:GetCredentialReport'
    ])
    expect(record.outcome).toBe('audited')
    expect(record.totals).toMatchObject({ users: 200, keys: 200, activeKeys: 200 })
    expect(record.totals?.findings['key-too-old'].noncompliant).toBe(109) // ages 91..199
    expect(record.keys[0]).toMatchObject({ user: 'user199', key: 'key 1', slot: 1, ageDays: 199 })
    expect(record.keys[0]).not.toHaveProperty('id')
    expect(record.source).toMatchObject({
      kind: 'credential-report',
      newlyGenerated: true,
      ageMinutes: 0
    })
  })

  it('polls GenerateCredentialReport with a backoff and says how fresh a reused report is', async () => {
    const { iam, run, clock, log } = setup()
    iam.addUser('a', { ageDays: 1 })
    iam.reportPolls = 4
    const started = clock.now().getTime()
    await run({ kind: 'account' })
    expect(clock.now().getTime() - started).toBe(250 + 500 + 1000 + 2000)
    expect(log.lines).toContain('Credential report: STARTED; asking again in 2000 ms.')

    iam.reportPolls = 0
    iam.reportGeneratedAt = new Date(clock.now().getTime() - 3 * 3_600_000 - 5 * 60_000)
    const reused = await run({ kind: 'account' })
    expect(reused.source).toMatchObject({ newlyGenerated: false, ageMinutes: 185 })
  })

  it('gives up on a report that never completes, with what to do', async () => {
    const { iam, run, clock } = setup()
    iam.reportPolls = Number.POSITIVE_INFINITY
    const started = clock.now().getTime()
    const record = await run({ kind: 'account' })
    expect(record.outcome).toBe('failed')
    expect(record.failure).toMatchObject({
      stage: 'audit',
      message: expect.stringContaining('did not finish the credential report within 300 s'),
      fix: expect.stringContaining('AWS keeps the report for 4 hours')
    })
    expect(clock.now().getTime() - started).toBeGreaterThanOrEqual(REPORT_TIMEOUT_MS)
  })

  it('names the permission to grant when AWS denies the report', async () => {
    const { iam, run } = setup()
    iam.denied.add('iam:GenerateCredentialReport')
    const record = await run({ kind: 'account' })
    expect(record.failure).toMatchObject({
      stage: 'audit',
      fix: expect.stringContaining('Allow iam:GenerateCredentialReport')
    })
  })

  it('reads a named user live, with key IDs, and the caller without GetUser', async () => {
    const { iam, run } = setup()
    iam.addUser(
      'deployer',
      { ageDays: 100, id: 'AKIADEPLOYER00000001' },
      { ageDays: 5, status: 'Inactive' }
    )
    const named = await run({ kind: 'users', names: ['deployer'] })
    expect(iam.calls).toEqual(['sts:GetCallerIdentity', 'iam:GetUser', 'iam:ListAccessKeys'])
    expect(named.source).toEqual({ kind: 'list-access-keys' })
    expect(named.findings.map((finding) => [finding.kind, finding.key])).toEqual([
      ['key-too-old', 'AKIA…0001'],
      ['inactive-key', 'AKIA…XXX1']
    ])

    iam.calls.length = 0
    iam.callerArn = `arn:aws:iam::${ACCOUNT}:user/ci/deployer`
    const caller = await run({ kind: 'caller' })
    expect(iam.calls).toEqual(['sts:GetCallerIdentity', 'iam:ListAccessKeys'])
    expect(caller.scope).toEqual({ kind: 'users', users: ['deployer'] })
    expect(caller.keys.map((key) => key.userArn)).toEqual([iam.callerArn, iam.callerArn])
  })

  it('asks for iam-user-name when the credentials are a role and no user is named', async () => {
    const { run } = setup()
    const record = await run({ kind: 'caller' })
    expect(record.failure).toMatchObject({
      stage: 'inputs',
      message: expect.stringContaining('assumed-role/auditor'),
      fix: expect.stringContaining("'*' to audit every IAM user")
    })
  })

  it('reads a long list of users from the report, and users newer than the report live', async () => {
    const { iam, run } = setup()
    const names = Array.from({ length: PER_USER_READ_LIMIT + 2 }, (_, index) => `u${index}`)
    for (const name of names) iam.addUser(name, { ageDays: 10 })
    iam.addUser('not-audited', { ageDays: 500 })
    const original = iam.getCredentialReport.bind(iam)
    iam.getCredentialReport = async () => {
      const report = await original()
      return { ...report, csv: report.csv.replace(/\nu4,[^\n]*/, '') }
    }
    const record = await run({ kind: 'users', names })
    expect(record.users.map((user) => user.name).sort()).toEqual(names)
    expect(iam.calls.filter((call) => call === 'iam:ListAccessKeys')).toHaveLength(1)
    expect(record.findings).toEqual([])
  })

  it('reads the users of key-id exceptions live, so the exception can match their key', async () => {
    const { iam, run } = setup()
    iam.addUser(
      'pair',
      { ageDays: 10, id: 'AKIAPAIRFIRST0000000' },
      { ageDays: 20, id: 'AKIAPAIRSECOND000000' }
    )
    iam.addUser('other', { ageDays: 1 })
    const register = parseRegister(
      [
        '- key-id: AKIAPAIRSECOND000000',
        '  reason: migration',
        '  approver: ciso',
        '  ticket: SEC-9',
        '  expires: 2027-01-01',
        '- key-id: AKIAGONE000000000000',
        '  reason: gone',
        '  approver: ciso',
        '  ticket: SEC-10',
        '  expires: 2027-01-01'
      ].join('\n'),
      'exceptions.yml'
    )
    const record = await run({ kind: 'account' }, register)
    expect(iam.calls).toEqual([
      'sts:GetCallerIdentity',
      'iam:GenerateCredentialReport',
      'iam:GenerateCredentialReport',
      'iam:GetCredentialReport',
      'iam:GetAccessKeyLastUsed',
      'iam:GetAccessKeyLastUsed',
      'iam:GetUser',
      'iam:ListAccessKeys'
    ])
    expect(record.source).toMatchObject({ liveUsers: ['pair'] })
    expect(
      record.findings.map((finding) => [finding.kind, finding.user, finding.exception?.line])
    ).toEqual([['two-active-keys', 'pair', 1]])
    expect(record.keys.filter((key) => key.user === 'pair').map((key) => key.id)).toEqual([
      'AKIA…0000',
      'AKIA…0000'
    ])
    expect(record.exceptions.map((entry) => entry.excepted)).toEqual([1, 0])
    expect(record.compliance?.compliant).toBe(true)
  })
})
