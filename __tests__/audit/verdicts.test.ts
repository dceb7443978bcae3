import { describe, expect, it } from 'vitest'
import { EMPTY_REGISTER } from '../../src/audit/register.js'
import { parseRegister } from '../../src/audit/register-file.js'
import {
  judge,
  userFindings,
  type AuditedKey,
  type AuditedUser,
  type AuditPolicy
} from '../../src/audit/verdicts.js'
import { exceedsMaxAge } from '../../src/keys.js'

const DAY = 86_400_000
const NOW = new Date('2026-11-21T12:00:00Z')
const POLICY: AuditPolicy = { maxKeyAgeDays: 90, deleteAfterDays: 0 }
const USED = { date: new Date('2026-11-20T00:00:00Z'), service: 's3', region: 'eu-west-1' }

function key(ageMs: number, overrides: Partial<AuditedKey> = {}): AuditedKey {
  return {
    status: 'Active',
    createdAt: new Date(NOW.getTime() - ageMs),
    lastUsed: USED,
    source: 'list-access-keys',
    ...overrides
  }
}

function user(name: string, ...keys: AuditedKey[]): AuditedUser {
  return { name, arn: `arn:aws:iam::123456789012:user/${name}`, keys }
}

function kinds(subject: AuditedUser, policy: AuditPolicy = POLICY): string[] {
  return userFindings(subject, policy, NOW).map((finding) => finding.kind)
}

describe('verdicts', () => {
  it('an active key exactly max-key-age-days old is compliant, one day more is not (exceedsMaxAge)', () => {
    expect(kinds(user('a', key(90 * DAY)))).toEqual([])
    expect(kinds(user('a', key(91 * DAY)))).toEqual(['key-too-old'])
    // Same boundary as the rotation's compliance verdict, to the millisecond.
    expect(kinds(user('a', key(90 * DAY + 1)))).toEqual(['key-too-old'])
    for (const ageMs of [0, 89 * DAY, 90 * DAY - 1, 90 * DAY, 90 * DAY + 1, 91 * DAY, 400 * DAY]) {
      const createdAt = new Date(NOW.getTime() - ageMs)
      expect(kinds(user('a', key(ageMs))).includes('key-too-old')).toBe(
        exceedsMaxAge(createdAt, NOW, 90)
      )
    }
    // Inactive keys are not judged by age (IAM.3 looks at active keys only).
    expect(kinds(user('a', key(5 * DAY), key(400 * DAY, { status: 'Inactive' })))).toEqual([
      'inactive-key'
    ])
  })

  it('flags a second active key, naming both', () => {
    const drafts = userFindings(user('two', key(10 * DAY), key(40 * DAY)), POLICY, NOW)
    expect(drafts.map((finding) => finding.kind)).toEqual(['two-active-keys'])
    expect(drafts[0]?.message).toBe(
      'IAM user two has 2 active keys (key, 10 days old; key, 40 days old).'
    )
    const slots = userFindings(
      user(
        'two',
        key(10 * DAY, { slot: 1 }),
        key(40 * DAY, { slot: 2, id: 'AKIAABCDEFGHIJKLMNOP' })
      ),
      POLICY,
      NOW
    )
    expect(slots[0]?.message).toBe(
      'IAM user two has 2 active keys (key 1, 10 days old; AKIA…MNOP, 40 days old).'
    )
  })

  it('flags an active key that was never used, not an inactive one', () => {
    expect(kinds(user('a', key(3 * DAY, { lastUsed: {} })))).toEqual(['never-used'])
    expect(
      kinds(user('a', key(3 * DAY), key(30 * DAY, { status: 'Inactive', lastUsed: {} })))
    ).toEqual(['inactive-key'])
  })

  it('with delete-after-days N, an inactive key is a finding once the active key is N days old', () => {
    const policy = { ...POLICY, deleteAfterDays: 7 }
    const inactive = key(100 * DAY, { status: 'Inactive' })
    expect(kinds(user('a', key(6 * DAY), inactive), policy)).toEqual([])
    expect(kinds(user('a', key(7 * DAY), inactive), policy)).toEqual(['inactive-key-past-grace'])
    // Without an active key there is no grace to measure: a plain leftover.
    expect(kinds(user('a', inactive), policy)).toEqual(['inactive-key'])
    // The youngest active key is the current one.
    expect(kinds(user('a', key(3 * DAY), key(50 * DAY)), policy)).toEqual(['two-active-keys'])
    const judged = judge([user('a', key(6 * DAY), inactive)], policy, EMPTY_REGISTER, NOW, {
      wholeAccount: true
    })
    expect(judged.keys.map((record) => [record.status, record.verdict, record.note])).toEqual([
      [
        'Inactive',
        'compliant',
        'inactive, kept until the active key is 7 days old (now 6, delete-after-days)'
      ],
      ['Active', 'compliant', undefined]
    ])
  })

  it('applies exceptions: unexpired entries except, expired ones are findings of their own', () => {
    const register = parseRegister(
      [
        'exceptions:',
        '  - user: vendor',
        '    reason: appliance',
        '    approver: ciso',
        '    ticket: SEC-1',
        '    expires: 2026-12-31',
        '  - user: lapsed',
        '    reason: migration',
        '    approver: ciso',
        '    ticket: SEC-2',
        '    expires: 2026-11-20',
        '  - key-id: AKIASECONDKEY0000000',
        '    reason: second key while migrating',
        '    approver: ciso',
        '    ticket: SEC-3',
        '    expires: 2027-01-31',
        '  - user: nobody-here',
        '    reason: old',
        '    approver: ciso',
        '    ticket: SEC-4',
        '    expires: 2027-01-31'
      ].join('\n'),
      'exceptions.yml'
    )
    const users = [
      user('vendor', key(400 * DAY)),
      user('lapsed', key(200 * DAY)),
      user(
        'pair',
        key(10 * DAY, { id: 'AKIAFIRSTKEY00000000' }),
        key(20 * DAY, { id: 'AKIASECONDKEY0000000' })
      ),
      user('clean', key(1 * DAY))
    ]
    const judged = judge(users, POLICY, register, NOW, { wholeAccount: true })
    expect(
      judged.findings.map((finding) => [
        finding.kind,
        finding.user,
        finding.key ?? '',
        finding.exception?.line ?? null
      ])
    ).toEqual([
      ['key-too-old', 'lapsed', 'key', null],
      ['expired-exception', 'lapsed', '', null],
      ['key-too-old', 'vendor', 'key', 2],
      ['two-active-keys', 'pair', '', 12]
    ])
    expect(judged.findings[1]?.message).toBe(
      'The exception at exceptions.yml line 7 (user lapsed: migration; approved by ciso, SEC-2) expired on 2026-11-20.'
    )
    expect(judged.totals).toMatchObject({
      users: 4,
      keys: 5,
      activeKeys: 5,
      excepted: 2,
      noncompliant: 2
    })
    expect(judged.totals.findings['key-too-old']).toEqual({ noncompliant: 1, excepted: 1 })
    expect(judged.compliance).toEqual({
      maxKeyAgeDays: 90,
      activeKeys: 5,
      maxActiveKeyAgeDays: 400,
      compliant: false,
      noncompliantCount: 2
    })
    expect(
      judged.exceptions.map((entry) => [entry.line, entry.state, entry.excepted, entry.inScope])
    ).toEqual([
      [2, 'active', 1, true],
      [7, 'expired', 0, true],
      [12, 'active', 1, true],
      [17, 'active', 0, true]
    ])
    // Worst first: non-compliant keys, then excepted, then compliant.
    expect(judged.keys.map((record) => [record.user, record.verdict])).toEqual([
      ['lapsed', 'non-compliant'],
      ['vendor', 'excepted'],
      ['pair', 'excepted'],
      ['pair', 'excepted'],
      ['clean', 'compliant']
    ])
    expect(judged.keys[2]?.id).toBe('AKIA…0000')
  })

  it('keeps register entries about other users out of a single-user audit', () => {
    const register = parseRegister(
      '- user: other\n  reason: r\n  approver: p\n  ticket: T\n  expires: 2020-01-01\n',
      'x.yml'
    )
    const single = judge([user('me', key(DAY))], POLICY, register, NOW, { wholeAccount: false })
    expect(single.findings).toEqual([])
    expect(single.exceptions[0]).toMatchObject({ state: 'expired', inScope: false })
    const account = judge([user('me', key(DAY))], POLICY, register, NOW, { wholeAccount: true })
    expect(account.findings.map((finding) => finding.kind)).toEqual(['expired-exception'])
  })

  it('reports no active key age when there is none, and compliance when nothing is found', () => {
    const judged = judge([user('empty')], POLICY, EMPTY_REGISTER, NOW, { wholeAccount: true })
    expect(judged.compliance).toEqual({
      maxKeyAgeDays: 90,
      activeKeys: 0,
      maxActiveKeyAgeDays: null,
      compliant: true,
      noncompliantCount: 0
    })
    expect(judged.users).toEqual([
      { name: 'empty', arn: 'arn:aws:iam::123456789012:user/empty', keys: 0, activeKeys: 0 }
    ])
  })
})
