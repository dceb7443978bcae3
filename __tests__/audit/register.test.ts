import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  activeException,
  coversKey,
  isExpired,
  loadRegister,
  RegisterError,
  type ExceptionsRegister
} from '../../src/audit/register.js'
import { parseRegister } from '../../src/audit/register-file.js'

const FILE = '.github/aws-key-exceptions.yml'
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE'

function problems(text: string): readonly string[] {
  try {
    parseRegister(text, FILE)
  } catch (error) {
    if (error instanceof RegisterError) return error.problems
    throw error
  }
  throw new Error('the register was accepted')
}

const VALID = `# Approved exceptions (SEC policy 7)
exceptions:
  - user: legacy-ftp
    reason: Vendor appliance cannot rotate keys before firmware 5.2
    approver: jane.doe@example.com
    ticket: https://tickets.example.com/SEC-1234
    expires: 2027-03-31

  - key-id: ${KEY_ID}
    user: ci-backup
    reason: "Backup agent: second key during migration"
    approver: Sam Smith
    ticket: 4711
    expires: '2026-12-01'
`

describe('parseRegister', () => {
  it('reads user and key-id entries with their line numbers', () => {
    expect(parseRegister(VALID, FILE)).toEqual({
      file: FILE,
      entries: [
        {
          line: 3,
          user: 'legacy-ftp',
          reason: 'Vendor appliance cannot rotate keys before firmware 5.2',
          approver: 'jane.doe@example.com',
          ticket: 'https://tickets.example.com/SEC-1234',
          expires: '2027-03-31'
        },
        {
          line: 9,
          user: 'ci-backup',
          keyId: KEY_ID,
          reason: 'Backup agent: second key during migration',
          approver: 'Sam Smith',
          ticket: '4711',
          expires: '2026-12-01'
        }
      ]
    })
  })

  it('accepts a bare list and an empty list', () => {
    const bare = parseRegister(
      '- user: a\n  reason: r\n  approver: p\n  ticket: T-1\n  expires: 2027-01-01\n',
      FILE
    )
    expect(bare.entries).toHaveLength(1)
    expect(bare.entries[0]?.line).toBe(1)
    expect(parseRegister('exceptions: []\n', FILE).entries).toEqual([])
  })

  it.each([
    [
      'a missing field',
      'exceptions:\n  - user: a\n    reason: r\n    approver: p\n    expires: 2027-01-01\n',
      [
        `exceptions: ${FILE} line 2: field 'ticket' is missing: give the ticket ID or link where the exception was approved.`
      ]
    ],
    [
      'an impossible date',
      'exceptions:\n  - user: a\n    reason: r\n    approver: p\n    ticket: T\n    expires: 2027-02-30\n',
      [
        `exceptions: ${FILE} line 6: field 'expires': '2027-02-30' is not a date: write the last day the exception holds as YYYY-MM-DD, for example 2027-03-31.`
      ]
    ],
    [
      'a date in another format',
      'exceptions:\n  - user: a\n    reason: r\n    approver: p\n    ticket: T\n    expires: 31/03/2027\n',
      [`exceptions: ${FILE} line 6: field 'expires': '31/03/2027' is not a date`]
    ],
    [
      'a misspelt field',
      'exceptions:\n  - user: a\n    reason: r\n    approver: p\n    ticket: T\n    expiry: 2027-01-01\n',
      [
        `exceptions: ${FILE} line 6: field 'expiry' is not an exception field: use user, key-id, reason, approver, ticket, expires (the expiry date is 'expires').`,
        `exceptions: ${FILE} line 2: field 'expires' is missing`
      ]
    ],
    [
      'no user and no key-id',
      'exceptions:\n  - reason: r\n    approver: p\n    ticket: T\n    expires: 2027-01-01\n',
      [
        `exceptions: ${FILE} line 2: the entry names no user and no key-id: add user: <IAM user name> (or key-id: AKIA…).`
      ]
    ],
    [
      'a wildcard user',
      "exceptions:\n  - user: '*'\n    reason: r\n    approver: p\n    ticket: T\n    expires: 2027-01-01\n",
      [`exceptions: ${FILE} line 2: field 'user': '*' is not an IAM user name`, 'no wildcard']
    ],
    [
      'an empty reason',
      'exceptions:\n  - user: a\n    reason:\n    approver: p\n    ticket: T\n    expires: 2027-01-01\n',
      [`exceptions: ${FILE} line 3: field 'reason' is empty: say why the key cannot be rotated`]
    ],
    [
      'an entry that is not a mapping',
      'exceptions:\n  - legacy-ftp\n',
      [`exceptions: ${FILE} line 2: each exception is a mapping with user or key-id`]
    ],
    [
      'a list that is not a list',
      'exceptions: legacy-ftp\n',
      [`exceptions: ${FILE} line 1: exceptions must be a list of entries`]
    ],
    ['an empty file', '# nothing yet\n', [`exceptions: ${FILE} line 1: the register is empty`]],
    [
      'another top-level field',
      'exceptions: []\nowner: sec\n',
      [`exceptions: ${FILE} line 2: 'owner' is not a register field`]
    ],
    [
      'broken YAML',
      'exceptions:\n  - user: a\n    reason: [unclosed\n',
      [`exceptions: ${FILE} line 4: this is not valid YAML`]
    ],
    [
      'a duplicate field',
      'exceptions:\n  - user: a\n    user: b\n    reason: r\n    approver: p\n    ticket: T\n    expires: 2027-01-01\n',
      [`exceptions: ${FILE} line 3: this is not valid YAML (Map keys must be unique)`]
    ]
  ])('refuses %s, naming the file, line, field and fix', (_, text, expected) => {
    const found = problems(text).join('\n')
    for (const part of expected) expect(found).toContain(part)
  })

  it('never repeats a key ID in full in an error', () => {
    const found = problems(
      'exceptions:\n  - key-id: AKIAIOSFODNN7example\n    reason: r\n    approver: p\n    ticket: T\n    expires: 2027-01-01\n'
    )
    expect(found).toEqual([
      `exceptions: ${FILE} line 2: field 'key-id': 'AKIA…mple' is not an access key ID: write the full access key ID (AKIA followed by 16 capital letters and digits), or use user: instead.`
    ])
  })

  it('reports every problem of every entry at once', () => {
    const found = problems(
      'exceptions:\n  - user: a\n    expires: soon\n  - key-id: short\n    reason: r\n    approver: p\n    ticket: T\n    expires: 2027-01-01\n'
    )
    expect(found.map((problem) => /line (\d+)/.exec(problem)?.[1])).toEqual([
      '2',
      '2',
      '2',
      '3',
      '4'
    ])
  })
})

describe('exception expiry and matching', () => {
  const register: ExceptionsRegister = parseRegister(VALID, FILE)
  const [byUser, byKey] = register.entries as [
    (typeof register.entries)[0],
    (typeof register.entries)[0]
  ]

  it('holds through the expiry day (UTC) and has expired from the next midnight', () => {
    expect(isExpired(byUser, new Date('2027-03-31T23:59:59.999Z'))).toBe(false)
    expect(isExpired(byUser, new Date('2027-04-01T00:00:00.000Z'))).toBe(true)
  })

  it('covers all keys of a user, or the one key a key-id names', () => {
    expect(coversKey(byUser, 'legacy-ftp')).toBe(true)
    expect(coversKey(byUser, 'legacy-ftp', 'AKIAANYOTHERKEY00000')).toBe(true)
    expect(coversKey(byUser, 'someone-else')).toBe(false)
    expect(coversKey(byKey, 'ci-backup')).toBe(false)
    expect(coversKey(byKey, 'ci-backup', KEY_ID)).toBe(true)
    expect(coversKey(byKey, 'another-user', KEY_ID)).toBe(false)
    const keyOnly = parseRegister(
      `- key-id: ${KEY_ID}\n  reason: r\n  approver: p\n  ticket: T\n  expires: 2027-01-01\n`,
      FILE
    ).entries[0] as (typeof register.entries)[0]
    expect(coversKey(keyOnly, 'whoever', KEY_ID)).toBe(true)
  })

  it('activeException finds the unexpired entry that excepts a user or one of its keys', () => {
    const now = new Date('2026-11-21T12:00:00Z')
    expect(activeException(register, 'legacy-ftp', [], now)).toBe(byUser)
    expect(activeException(register, 'ci-backup', ['AKIAOTHERKEY00000000'], now)).toBeUndefined()
    expect(activeException(register, 'ci-backup', ['AKIAOTHERKEY00000000', KEY_ID], now)).toBe(
      byKey
    )
    expect(activeException(register, 'nobody', [KEY_ID], now)).toBeUndefined()
    // Expired entries except nothing.
    expect(activeException(register, 'ci-backup', [KEY_ID], new Date('2026-12-02T00:00:00Z'))).toBe(
      undefined
    )
  })
})

describe('loadRegister', () => {
  let workspace: string

  beforeAll(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'register-'))
    await writeFile(join(workspace, 'exceptions.yml'), VALID)
  })

  afterAll(async () => {
    await rm(workspace, { recursive: true, force: true })
  })

  it('reads a path relative to the workspace, or an absolute one', async () => {
    expect((await loadRegister('exceptions.yml', workspace)).entries).toHaveLength(2)
    const absolute = join(workspace, 'exceptions.yml')
    expect((await loadRegister(absolute, '/elsewhere')).file).toBe(absolute)
  })

  it('explains a missing file', async () => {
    const error = await loadRegister('.github/missing.yml', workspace).catch((caught) => caught)
    expect(error).toBeInstanceOf(RegisterError)
    expect(String(error.message)).toContain('exceptions: cannot read .github/missing.yml')
    expect(String(error.message)).toContain('ENOENT')
    expect(String(error.message)).toContain('actions/checkout')
  })
})
