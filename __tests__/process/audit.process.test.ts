/**
 * mode: audit, run as the runner runs the bundled action, against the IAM/STS fake. The GitHub fake
 * is there too, and must see no request at all.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FakeKey } from '../../sandbox/aws-fake.js'
import type { ActionRun } from '../../sandbox/runner.js'
import { startWorld, TOKEN, type World } from './world.js'

const DAY = 86_400_000
const READ_ONLY = new Set([
  'GetCallerIdentity',
  'GenerateCredentialReport',
  'GetCredentialReport',
  'GetAccessKeyLastUsed',
  'GetUser',
  'ListAccessKeys'
])

/** YYYY-MM-DD, `days` from today (UTC). */
function day(days: number): string {
  return new Date(Date.now() + days * DAY).toISOString().slice(0, 10)
}

function redacted(id: string): string {
  return `${id.slice(0, 4)}…${id.slice(-4)}`
}

function annotations(run: ActionRun, level: 'error' | 'warning' | 'notice'): string[] {
  return run.stdout.split('\n').filter((line) => line.startsWith(`::${level}`))
}

function decoded(line: string): string {
  return line.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%')
}

interface Finding {
  kind: string
  user: string
  key?: string
  exception?: { line: number }
}

describe('audit (process level)', () => {
  let world: World
  let workspace: string

  beforeEach(async () => {
    world = await startWorld()
    workspace = await mkdtemp(join(tmpdir(), 'audit-workspace-'))
  })

  afterEach(async () => {
    world.expectNoLeaks()
    await world.close()
    await rm(workspace, { recursive: true, force: true })
  })

  const used = () => ({ date: new Date(Date.now() - DAY), service: 's3', region: 'eu-west-1' })

  /** A key `ageDays` old; used yesterday unless `unused`. */
  function key(
    user: string,
    ageDays: number,
    options: { inactive?: boolean; unused?: boolean } = {}
  ): FakeKey {
    return world.aws.addKey(user, {
      ageDays,
      ...(options.inactive ? { status: 'Inactive' as const } : {}),
      ...(options.unused ? {} : { lastUsed: used() })
    })
  }

  async function audit(
    inputs: Record<string, string>,
    aws: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  ): Promise<ActionRun> {
    return world.run({
      inputs: { mode: 'audit', 'github-token': '', ...inputs },
      aws,
      env: { GITHUB_WORKSPACE: workspace }
    })
  }

  it('audits 30 users in mixed states with the exact expected verdicts and changes nothing', async () => {
    const { aws } = world
    const users = (...names: string[]) => names.forEach((name) => aws.addUser(name))
    users('no-keys-1', 'no-keys-2', 'young-1', 'young-2', 'young-3', 'young-4')
    aws.addUser('console-only', { password: {} })
    key('young-1', 10)
    key('young-2', 45)
    key('young-3', 1)
    key('young-4', 30)
    users('almost-due', 'old-1', 'old-2', 'old-unused', 'never-used')
    key('almost-due', 89)
    key('old-1', 91)
    key('old-2', 400)
    key('old-unused', 120, { unused: true })
    key('never-used', 5, { unused: true })
    users('two-active-young', 'two-active-old', 'two-active-one-unused')
    key('two-active-young', 20)
    key('two-active-young', 10)
    key('two-active-old', 100)
    key('two-active-old', 30)
    key('two-active-one-unused', 60)
    key('two-active-one-unused', 5, { unused: true })
    // delete-after-days 7: the inactive key is a finding once the active key is 7 days old.
    users('rotated-in-grace', 'rotated-past-grace', 'grace-boundary-6', 'grace-boundary-7')
    users('only-inactive', 'mixed-inactive-unused', 'old-3')
    key('rotated-in-grace', 95, { inactive: true })
    key('rotated-in-grace', 3)
    key('rotated-past-grace', 100, { inactive: true })
    key('rotated-past-grace', 8)
    key('grace-boundary-6', 50, { inactive: true })
    key('grace-boundary-6', 6)
    key('grace-boundary-7', 50, { inactive: true })
    key('grace-boundary-7', 7)
    key('only-inactive', 200, { inactive: true })
    key('mixed-inactive-unused', 20)
    key('mixed-inactive-unused', 10, { inactive: true, unused: true })
    key('old-3', 400, { inactive: true })
    key('old-3', 365)
    users('excepted-old', 'excepted-two', 'excepted-key', 'excepted-never-used')
    users('expired-exception', 'expired-only')
    key('excepted-old', 200)
    key('excepted-two', 40)
    key('excepted-two', 15)
    const oldPartnerKey = key('excepted-key', 150)
    const partnerKey = key('excepted-key', 10)
    key('excepted-never-used', 3, { unused: true })
    key('expired-exception', 150)
    key('expired-only', 10)
    aws.addUser('ci,legacy', { path: '/ci/' }) // a comma is legal in a user name: quoted in the CSV
    key('ci,legacy', 95)
    aws.addUser('svc-team', { path: '/svc/team/' })
    key('svc-team', 60)

    const register = [
      '# Approved exceptions to the access key policy',
      'exceptions:',
      '  - user: excepted-old',
      '    reason: Vendor appliance cannot rotate keys before firmware 5.2',
      '    approver: ciso@example.com',
      '    ticket: SEC-101',
      `    expires: ${day(30)}`,
      '  - user: excepted-two',
      '    reason: Blue/green migration of the backup agent',
      '    approver: ciso@example.com',
      '    ticket: https://tickets.example.com/SEC-102',
      `    expires: ${day(30)}`,
      `  - key-id: ${partnerKey.accessKeyId}`,
      '    reason: Second key while the partner switches over',
      '    approver: ciso@example.com',
      '    ticket: SEC-103',
      `    expires: ${day(10)}`,
      '  - user: expired-exception',
      '    reason: Migration that should have finished',
      '    approver: ciso@example.com',
      '    ticket: SEC-104',
      `    expires: ${day(-1)}`,
      '  - user: expired-only',
      '    reason: Old exception nobody removed',
      '    approver: ciso@example.com',
      '    ticket: SEC-105',
      `    expires: ${day(-40)}`,
      '  - user: excepted-never-used',
      '    reason: Break-glass key, used only in an incident',
      '    approver: ciso@example.com',
      '    ticket: SEC-106',
      `    expires: ${day(5)}`,
      '  - user: ghost',
      '    reason: Matches nobody',
      '    approver: ciso@example.com',
      '    ticket: SEC-107',
      `    expires: ${day(90)}`
    ].join('\n')
    await writeFile(join(workspace, 'aws-key-exceptions.yml'), register)
    expect(aws.credentialReportCsv()).toBeUndefined()

    const role = aws.addRoleSession('auditor')
    const run = await audit(
      {
        'iam-user-name': '*',
        'delete-after-days': '7',
        exceptions: 'aws-key-exceptions.yml',
        targets: 'this is ignored in audit mode'
      },
      role
    )

    expect(run.stderr).toBe('')
    expect(run.code).toBe(1)
    const evidence = run.evidence as {
      findings: Finding[]
      keys: Array<{ user: string; key: string; id?: string; slot?: number; verdict: string }>
      totals: Record<string, unknown>
    }
    const verdicts = evidence.findings
      .map((finding) => [
        finding.user,
        finding.key ?? '',
        finding.kind,
        finding.exception ? `excepted by line ${finding.exception.line}` : 'non-compliant'
      ])
      .sort((a, b) => a.join('|').localeCompare(b.join('|')))
    const expected = [
      ['ci,legacy', 'key 1', 'key-too-old', 'non-compliant'],
      ['excepted-key', '', 'two-active-keys', 'excepted by line 13'],
      ['excepted-key', redacted(oldPartnerKey.accessKeyId), 'key-too-old', 'non-compliant'],
      ['excepted-never-used', 'key 1', 'never-used', 'excepted by line 28'],
      ['excepted-old', 'key 1', 'key-too-old', 'excepted by line 3'],
      ['excepted-two', '', 'two-active-keys', 'excepted by line 8'],
      ['expired-exception', '', 'expired-exception', 'non-compliant'],
      ['expired-exception', 'key 1', 'key-too-old', 'non-compliant'],
      ['expired-only', '', 'expired-exception', 'non-compliant'],
      ['grace-boundary-7', 'key 1', 'inactive-key-past-grace', 'non-compliant'],
      ['mixed-inactive-unused', 'key 2', 'inactive-key-past-grace', 'non-compliant'],
      ['never-used', 'key 1', 'never-used', 'non-compliant'],
      ['old-1', 'key 1', 'key-too-old', 'non-compliant'],
      ['old-2', 'key 1', 'key-too-old', 'non-compliant'],
      ['old-3', 'key 1', 'inactive-key-past-grace', 'non-compliant'],
      ['old-3', 'key 2', 'key-too-old', 'non-compliant'],
      ['old-unused', 'key 1', 'key-too-old', 'non-compliant'],
      ['old-unused', 'key 1', 'never-used', 'non-compliant'],
      ['only-inactive', 'key 1', 'inactive-key', 'non-compliant'],
      ['rotated-past-grace', 'key 1', 'inactive-key-past-grace', 'non-compliant'],
      ['two-active-old', '', 'two-active-keys', 'non-compliant'],
      ['two-active-old', 'key 1', 'key-too-old', 'non-compliant'],
      ['two-active-one-unused', '', 'two-active-keys', 'non-compliant'],
      ['two-active-one-unused', 'key 2', 'never-used', 'non-compliant'],
      ['two-active-young', '', 'two-active-keys', 'non-compliant']
    ].sort((a, b) => a.join('|').localeCompare(b.join('|')))
    expect(verdicts).toEqual(expected)

    // One entry per key; the credential report has no key IDs, so only the user that a key-id
    // exception names was read live and has (redacted) IDs.
    expect(evidence.keys).toHaveLength(38)
    const withIds = evidence.keys.filter((entry) => entry.id !== undefined)
    expect(withIds.map((entry) => entry.id).sort()).toEqual(
      [redacted(oldPartnerKey.accessKeyId), redacted(partnerKey.accessKeyId)].sort()
    )
    expect(
      evidence.keys.filter((entry) => entry.id === undefined).every((entry) => entry.slot)
    ).toBe(true)
    expect(evidence.keys[0]?.verdict).toBe('non-compliant')
    expect(evidence.keys.at(-1)?.verdict).toBe('compliant')
    expect(evidence.totals).toEqual({
      users: 30,
      keys: 38,
      activeKeys: 31,
      findings: {
        'key-too-old': { noncompliant: 8, excepted: 1 },
        'two-active-keys': { noncompliant: 3, excepted: 2 },
        'expired-exception': { noncompliant: 2, excepted: 0 },
        'inactive-key-past-grace': { noncompliant: 4, excepted: 0 },
        'inactive-key': { noncompliant: 1, excepted: 0 },
        'never-used': { noncompliant: 3, excepted: 1 }
      },
      excepted: 4,
      noncompliant: 21
    })
    expect(run.evidence).toMatchObject({
      schemaVersion: 1,
      outcome: 'audited',
      mode: 'audit',
      account: aws.accountId,
      scope: { kind: 'account' },
      source: { kind: 'credential-report', newlyGenerated: true, liveUsers: ['excepted-key'] },
      exceptionsFile: 'aws-key-exceptions.yml',
      compliance: { compliant: false, noncompliantCount: 21, maxActiveKeyAgeDays: 400 }
    })
    expect(run.outputs).toEqual({
      rotated: 'false',
      'new-access-key-id': '',
      'old-access-key-id': '',
      'old-key-age-days': '',
      'max-active-key-age-days': '400',
      compliant: 'false',
      'noncompliant-count': '21',
      'evidence-file': expect.stringMatching(/aws-key-rotation-evidence\.json$/)
    })

    // Read-only: every IAM call is a read, and GitHub was never called.
    expect(aws.mutations()).toEqual([])
    expect(aws.requests.filter((request) => !READ_ONLY.has(request.action))).toEqual([])
    expect(world.github.requests).toEqual([])
    expect(aws.requests.map((request) => request.action)).toEqual([
      'GetCallerIdentity',
      'GenerateCredentialReport',
      'GenerateCredentialReport',
      'GetCredentialReport',
      'GetAccessKeyLastUsed', // owner of the key-id exception
      'GetUser',
      'ListAccessKeys',
      'GetAccessKeyLastUsed',
      'GetAccessKeyLastUsed'
    ])

    // The summary answers the auditors' questions from this one run.
    expect(run.summary).toContain('❌ AWS access key audit: 21 non-compliant finding(s)')
    expect(run.summary).toMatch(/IAM credential report generated <b>[^<]+<\/b> \(0 min before/)
    expect(run.summary).toContain('AWS regenerates it at most every 4 hours')
    expect(run.summary).toContain('<td>ci,legacy</td>')
    expect(run.summary).toContain('Exceptions register (aws-key-exceptions.yml)')
    expect(run.summary).toContain('❌ expired')
    // Annotations: at most 10 errors (9 findings incl. "N more", then the failure) and notices.
    const errors = annotations(run, 'error')
    expect(errors).toHaveLength(10)
    expect(decoded(errors[8] ?? '')).toContain('13 more non-compliant finding(s)')
    expect(decoded(errors[9] ?? '')).toContain('Audited 30 IAM user(s), 38 key(s) (31 active)')
    expect(annotations(run, 'notice')).toHaveLength(4)
    expect(annotations(run, 'warning')).toEqual([])
  })

  it('refuses an invalid exceptions file before any AWS call, naming the line and the fix', async () => {
    world.aws.addUser('deployer')
    const deployer = key('deployer', 10)
    await writeFile(
      join(workspace, 'exceptions.yml'),
      [
        'exceptions:',
        '  - user: deployer',
        '    reason: Vendor appliance',
        '    approver: ciso@example.com',
        '    ticket: SEC-1',
        '    expires: 2027-02-30'
      ].join('\n')
    )
    const run = await audit({ exceptions: 'exceptions.yml' }, deployer)
    expect(run.code).toBe(1)
    expect(world.aws.requests).toEqual([])
    expect(world.github.requests).toEqual([])
    const error = decoded(annotations(run, 'error').join('\n'))
    expect(error).toContain(
      "exceptions: exceptions.yml line 6: field 'expires': '2027-02-30' is not a date: write the last day the exception holds as YYYY-MM-DD"
    )
    expect(run.evidence).toMatchObject({
      outcome: 'failed',
      failure: { stage: 'inputs' },
      exceptionsFile: 'exceptions.yml'
    })
    expect(run.outputs).toMatchObject({ compliant: 'false', rotated: 'false' })

    const missing = await audit({ exceptions: '.github/none.yml' }, deployer)
    expect(missing.code).toBe(1)
    expect(world.aws.requests).toEqual([])
    expect(decoded(annotations(missing, 'error').join('\n'))).toContain(
      'exceptions: cannot read .github/none.yml'
    )
  })

  it("audits the user of the caller's own credentials, with key IDs, and passes when compliant", async () => {
    world.aws.addUser('deployer', { path: '/ci/' })
    const inactive = key('deployer', 20, { inactive: true })
    const current = key('deployer', 10)
    // A token given anyway is masked and never used: audit makes no GitHub request.
    const run = await audit({ 'delete-after-days': '30', 'github-token': TOKEN }, current)

    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(world.aws.requests.map((request) => request.action)).toEqual([
      'GetCallerIdentity',
      'ListAccessKeys',
      'GetAccessKeyLastUsed',
      'GetAccessKeyLastUsed'
    ])
    expect(world.github.requests).toEqual([])
    expect(run.stdout).toContain(`::add-mask::${TOKEN}`)
    expect(run.outputs).toMatchObject({
      compliant: 'true',
      'noncompliant-count': '0',
      'max-active-key-age-days': '10',
      rotated: 'false'
    })
    expect(run.evidence).toMatchObject({
      outcome: 'audited',
      scope: { kind: 'users', users: ['deployer'] },
      source: { kind: 'list-access-keys' },
      findings: []
    })
    const keys = (run.evidence as { keys: Array<Record<string, unknown>> }).keys
    expect(keys.map((entry) => [entry.id, entry.status, entry.verdict, entry.note ?? ''])).toEqual([
      [
        redacted(inactive.accessKeyId),
        'Inactive',
        'compliant',
        'inactive, kept until the active key is 30 days old (now 10, delete-after-days)'
      ],
      [redacted(current.accessKeyId), 'Active', 'compliant', '']
    ])
    expect(keys[0]).toMatchObject({
      user: 'deployer',
      userArn: `arn:aws:iam::${world.aws.accountId}:user/ci/deployer`,
      source: 'list-access-keys'
    })
    expect(run.summary).toContain('✅ AWS access key audit: compliant')
    expect(run.summary).toContain('Read live with ListAccessKeys and GetAccessKeyLastUsed')
    expect(run.stdout).toMatch(
      /::notice title=AWS access key audit::Audited 1 IAM user\(s\), 2 key\(s\) \(1 active\): compliant\./
    )

    // The same user, one key too old: the step fails and says why.
    const old = await audit({ 'max-key-age-days': '5' }, current)
    expect(old.code).toBe(1)
    expect(old.outputs['noncompliant-count']).toBe('2') // too old + the inactive leftover
    expect(decoded(annotations(old, 'error')[0] ?? '')).toContain(
      `IAM user deployer, ${redacted(current.accessKeyId)}: active key created`
    )
  })

  it('asks for iam-user-name when the credentials are a role, and audits a named user with them', async () => {
    world.aws.addUser('deployer')
    const deployerKey = key('deployer', 120)
    const role = world.aws.addRoleSession('auditor')

    const unnamed = await audit({}, role)
    expect(unnamed.code).toBe(1)
    const message = decoded(annotations(unnamed, 'error').join('\n'))
    expect(message).toContain(
      "iam-user-name is empty and the AWS credentials are not an IAM user's"
    )
    expect(message).toContain("or to '*' to audit every IAM user")

    const named = await audit({ 'iam-user-name': 'deployer' }, role)
    expect(named.code).toBe(1)
    expect(named.evidence).toMatchObject({
      findings: [{ kind: 'key-too-old', user: 'deployer', key: redacted(deployerKey.accessKeyId) }]
    })
    expect(world.aws.mutations()).toEqual([])
    expect(world.github.requests).toEqual([])
  })

  it('says how old a reused credential report is, and that later changes are not in it', async () => {
    world.aws.addUser('deployer')
    key('deployer', 10)
    const role = world.aws.addRoleSession('auditor')
    const first = await audit({ 'iam-user-name': '*' }, role)
    expect(first.code).toBe(0)

    world.aws.backdateCredentialReport(3 * 3_600_000)
    world.aws.addUser('created-later')
    key('created-later', 400)
    const second = await audit({ 'iam-user-name': '*' }, role)
    expect(second.code).toBe(0)
    expect(second.evidence).toMatchObject({
      source: { kind: 'credential-report', newlyGenerated: false, ageMinutes: 180 },
      totals: { users: 1 }
    })
    expect(second.summary).toContain('180 min before this run, an earlier report AWS reused')
    const generates = world.aws.requests.filter(
      (request) => request.action === 'GenerateCredentialReport'
    )
    expect(generates).toHaveLength(3) // STARTED, COMPLETE; then COMPLETE at once (reused)
  })

  it('explains a missing permission for the credential report', async () => {
    world.aws.addUser('auditor-user')
    const own = key('auditor-user', 1)
    const run = await audit({ 'iam-user-name': '*' }, own)
    expect(run.code).toBe(1)
    const message = decoded(annotations(run, 'error').join('\n'))
    expect(message).toContain('AWS denied iam:GenerateCredentialReport')
    expect(message).toContain('Allow iam:GenerateCredentialReport')
    expect(run.evidence).toMatchObject({ outcome: 'failed', failure: { stage: 'audit' } })

    world.aws.allow('auditor-user', 'GenerateCredentialReport')
    world.aws.allow('auditor-user', 'GetCredentialReport')
    const allowed = await audit({ 'iam-user-name': '*' }, own)
    expect(allowed.code).toBe(0)
  })
})
