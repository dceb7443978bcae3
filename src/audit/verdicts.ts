/**
 * The verdicts of an audit, as pure functions of the users' keys, the limits, the exceptions
 * register and the time: which findings there are, which an unexpired exception covers, and the
 * totals. No I/O here.
 */
import { ageInDays, exceedsMaxAge, lastUsedRecord, redactKeyId } from '../keys.js'
import {
  coversKey,
  describeEntry,
  isExpired,
  type ExceptionEntry,
  type ExceptionsRegister
} from './register.js'
import {
  FINDING_INFO,
  FINDING_KINDS,
  type AuditKeyRecord,
  type AuditTotals,
  type AuditUserRecord,
  type ExceptionRecord,
  type FindingKind,
  type FindingRecord,
  type KeySource,
  type Verdict
} from './record.js'

export interface AuditedKey {
  /** The credential report's slot, when read from it. */
  readonly slot?: 1 | 2
  /** The full ID, when read with ListAccessKeys; only ever shown redacted. */
  readonly id?: string
  readonly status: string
  readonly createdAt: Date
  readonly lastUsed?: { readonly date?: Date; readonly service?: string; readonly region?: string }
  readonly source: KeySource
}

export interface AuditedUser {
  readonly name: string
  readonly arn: string
  readonly keys: readonly AuditedKey[]
}

export interface AuditPolicy {
  readonly maxKeyAgeDays: number
  /** 0: an inactive key is a leftover at once; N: once the user's active key is N days old. */
  readonly deleteAfterDays: number
}

export interface JudgeOptions {
  /** Every user of the account is audited: every register entry is in scope. */
  readonly wholeAccount: boolean
  /** Owners of keys named only by key-id in the register, where known. */
  readonly keyOwners?: ReadonlyMap<string, string>
  /** How the register file is named in messages. */
  readonly registerFile?: string
}

export interface Judgement {
  readonly users: AuditUserRecord[]
  readonly keys: AuditKeyRecord[]
  readonly findings: FindingRecord[]
  readonly exceptions: ExceptionRecord[]
  readonly totals: AuditTotals
  readonly compliance: {
    readonly maxKeyAgeDays: number
    readonly activeKeys: number
    readonly maxActiveKeyAgeDays: number | null
    readonly compliant: boolean
    readonly noncompliantCount: number
  }
}

/** A finding before exceptions are applied, with what it is about. */
interface Draft {
  readonly kind: FindingKind
  readonly user: string
  /** The key a key-level finding is about. */
  readonly key?: AuditedKey
  /** Every key the finding concerns (for the keys table), e.g. both active keys. */
  readonly keys: readonly AuditedKey[]
  readonly message: string
  readonly fix: string
  /** Older first within a kind. */
  readonly ageDays: number
  /** Expired-exception findings come from this entry and are never excepted. */
  readonly fromEntry?: ExceptionEntry
}

export function isActive(key: Pick<AuditedKey, 'status'>): boolean {
  return key.status === 'Active'
}

/** "AKIA…WXYZ" when the ID is known, "key 1"/"key 2" from the credential report otherwise. */
export function keyLabel(key: Pick<AuditedKey, 'id' | 'slot'>): string {
  if (key.id !== undefined) return redactKeyId(key.id)
  return key.slot === undefined ? 'key' : `key ${key.slot}`
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10)
}

/** The findings about one user's keys (exceptions not applied yet). */
export function userFindings(user: AuditedUser, policy: AuditPolicy, now: Date): Draft[] {
  const drafts: Draft[] = []
  const active = user.keys.filter(isActive)
  const about = (key: AuditedKey): string => `IAM user ${user.name}, ${keyLabel(key)}`
  // The full key ID is never printed: the command names it by its label.
  const deleteCommand = (key: AuditedKey): string =>
    `aws iam delete-access-key --user-name ${user.name} --access-key-id <ID of ${keyLabel(key)}>`

  for (const key of active) {
    const age = ageInDays(key.createdAt, now)
    if (exceedsMaxAge(key.createdAt, now, policy.maxKeyAgeDays)) {
      drafts.push({
        kind: 'key-too-old',
        user: user.name,
        key,
        keys: [key],
        ageDays: age,
        message: `${about(key)}: active key created ${day(key.createdAt)}, ${age} days old, older than max-key-age-days (${policy.maxKeyAgeDays}).`,
        fix: 'Rotate it (this action with mode: rotate), or deactivate it if nothing uses it.'
      })
    }
    if (key.lastUsed?.date === undefined) {
      drafts.push({
        kind: 'never-used',
        user: user.name,
        key,
        keys: [key],
        ageDays: age,
        message: `${about(key)}: active key created ${day(key.createdAt)} (${age} days ago) and never used.`,
        fix: `If nothing needs it, deactivate and delete it (${deleteCommand(key)}).`
      })
    }
  }

  if (active.length >= 2) {
    const described = active
      .map((key) => `${keyLabel(key)}, ${ageInDays(key.createdAt, now)} days old`)
      .join('; ')
    drafts.push({
      kind: 'two-active-keys',
      user: user.name,
      keys: active,
      ageDays: Math.max(...active.map((key) => ageInDays(key.createdAt, now))),
      message: `IAM user ${user.name} has ${active.length} active keys (${described}).`,
      fix: 'Find the key in use (compare last used), move every consumer to it, then deactivate the other.'
    })
  }

  // The current key is the youngest active one: its age measures the grace of inactive keys.
  const currentAge =
    active.length === 0
      ? undefined
      : Math.min(...active.map((key) => ageInDays(key.createdAt, now)))
  for (const key of user.keys.filter((candidate) => !isActive(candidate))) {
    const age = ageInDays(key.createdAt, now)
    const inGrace =
      policy.deleteAfterDays > 0 && currentAge !== undefined && currentAge < policy.deleteAfterDays
    if (inGrace) continue
    const pastGrace = policy.deleteAfterDays > 0 && currentAge !== undefined
    drafts.push({
      kind: pastGrace ? 'inactive-key-past-grace' : 'inactive-key',
      user: user.name,
      key,
      keys: [key],
      ageDays: age,
      message: pastGrace
        ? `${about(key)}: inactive key kept although the active key is ${currentAge} days old (delete-after-days: ${policy.deleteAfterDays}).`
        : `${about(key)}: ${String(key.status).toLowerCase()} key left behind (created ${day(key.createdAt)}, ${age} days old).`,
      fix: `Delete it (${deleteCommand(key)}), or let this action's rotate mode delete it.`
    })
  }
  return drafts
}

/** Why an inactive key is not a finding (yet), for the keys table. */
function inactiveNote(user: AuditedUser, policy: AuditPolicy, now: Date): string | undefined {
  const active = user.keys.filter(isActive)
  if (policy.deleteAfterDays === 0 || active.length === 0) return undefined
  const currentAge = Math.min(...active.map((key) => ageInDays(key.createdAt, now)))
  if (currentAge >= policy.deleteAfterDays) return undefined
  return `inactive, kept until the active key is ${policy.deleteAfterDays} days old (now ${currentAge}, delete-after-days)`
}

function verdictOf(findings: readonly FindingRecord[]): Verdict {
  if (findings.some((finding) => finding.exception === undefined)) return 'non-compliant'
  return findings.length > 0 ? 'excepted' : 'compliant'
}

const VERDICT_RANK: Record<Verdict, number> = { 'non-compliant': 0, excepted: 1, compliant: 2 }

/**
 * Judges every user: findings, exceptions applied (an unexpired entry excepts, an expired one is a
 * finding of its own), one record per key, worst first, and the totals.
 */
export function judge(
  users: readonly AuditedUser[],
  policy: AuditPolicy,
  register: ExceptionsRegister,
  now: Date,
  options: JudgeOptions
): Judgement {
  const file = options.registerFile ?? register.file
  const drafts = users.flatMap((user) => userFindings(user, policy, now))
  const names = new Set(users.map((user) => user.name))
  const keysById = new Map<string, { user: AuditedUser; key: AuditedKey }>()
  for (const user of users) {
    for (const key of user.keys) if (key.id !== undefined) keysById.set(key.id, { user, key })
  }

  const inScope = (entry: ExceptionEntry): boolean =>
    options.wholeAccount ||
    (entry.user !== undefined && names.has(entry.user)) ||
    (entry.keyId !== undefined && keysById.has(entry.keyId))

  for (const entry of register.entries) {
    if (!isExpired(entry, now) || !inScope(entry)) continue
    const found = entry.keyId === undefined ? undefined : keysById.get(entry.keyId)
    const owner =
      entry.user ??
      found?.user.name ??
      (entry.keyId === undefined ? undefined : options.keyOwners?.get(entry.keyId)) ??
      ''
    drafts.push({
      kind: 'expired-exception',
      user: owner,
      ...(found ? { key: found.key } : {}),
      keys: found ? [found.key] : [],
      ageDays: 0,
      message: `The exception at ${file} line ${entry.line} (${describeEntry(entry)}: ${entry.reason}; approved by ${entry.approver}, ${entry.ticket}) expired on ${entry.expires}.`,
      fix: `Fix what it excepted and remove the entry, or renew it with a new expiry date and approval in ${file}.`,
      fromEntry: entry
    })
  }

  const excepts = new Map<ExceptionEntry, number>()
  const exceptionFor = (draft: Draft): ExceptionEntry | undefined => {
    if (draft.fromEntry) return undefined
    return register.entries.find((entry) => {
      if (isExpired(entry, now)) return false
      if (draft.key) return coversKey(entry, draft.user, draft.key.id)
      return (
        coversKey(entry, draft.user) ||
        draft.keys.some((key) => coversKey(entry, draft.user, key.id))
      )
    })
  }

  const judged = drafts.map((draft) => {
    const entry = exceptionFor(draft)
    if (entry) excepts.set(entry, (excepts.get(entry) ?? 0) + 1)
    const record: FindingRecord = {
      kind: draft.kind,
      control: FINDING_INFO[draft.kind].control,
      user: draft.user,
      ...(draft.key
        ? { key: keyLabel(draft.key) }
        : draft.fromEntry?.keyId !== undefined
          ? { key: redactKeyId(draft.fromEntry.keyId) }
          : {}),
      message: draft.message,
      fix: draft.fix,
      ...(entry
        ? {
            exception: {
              line: entry.line,
              reason: entry.reason,
              approver: entry.approver,
              ticket: entry.ticket,
              expires: entry.expires
            }
          }
        : {})
    }
    return { draft, record }
  })

  judged.sort(
    (a, b) =>
      Number(a.record.exception !== undefined) - Number(b.record.exception !== undefined) ||
      FINDING_KINDS.indexOf(a.record.kind) - FINDING_KINDS.indexOf(b.record.kind) ||
      b.draft.ageDays - a.draft.ageDays ||
      compareText(a.record.user, b.record.user) ||
      compareText(a.record.key ?? '', b.record.key ?? '')
  )
  const findings = judged.map(({ record }) => record)

  const findingsOfKey = new Map<AuditedKey, FindingRecord[]>()
  for (const { draft, record } of judged) {
    for (const key of draft.keys)
      findingsOfKey.set(key, [...(findingsOfKey.get(key) ?? []), record])
  }

  const keys: AuditKeyRecord[] = users.flatMap((user) => {
    const note = inactiveNote(user, policy, now)
    return user.keys.map((key): AuditKeyRecord => {
      const about = findingsOfKey.get(key) ?? []
      return {
        user: user.name,
        userArn: user.arn,
        key: keyLabel(key),
        ...(key.id === undefined ? {} : { id: redactKeyId(key.id) }),
        ...(key.slot === undefined ? {} : { slot: key.slot }),
        source: key.source,
        status: key.status,
        createdAt: key.createdAt.toISOString(),
        ageDays: ageInDays(key.createdAt, now),
        ...lastUsedRecord(key.lastUsed),
        verdict: verdictOf(about),
        findings: [...new Set(about.map((finding) => finding.kind))],
        ...(!isActive(key) && note && about.length === 0 ? { note } : {})
      }
    })
  })
  // Worst first: verdict, then the worst kind of finding (a too-old active key before a leftover).
  const worstKind = (key: AuditKeyRecord): number =>
    Math.min(FINDING_KINDS.length, ...key.findings.map((kind) => FINDING_KINDS.indexOf(kind)))
  keys.sort(
    (a, b) =>
      VERDICT_RANK[a.verdict] - VERDICT_RANK[b.verdict] ||
      worstKind(a) - worstKind(b) ||
      b.findings.length - a.findings.length ||
      b.ageDays - a.ageDays ||
      compareText(a.user, b.user) ||
      compareText(a.key, b.key)
  )

  const exceptions: ExceptionRecord[] = register.entries.map((entry) => ({
    line: entry.line,
    ...(entry.user === undefined ? {} : { user: entry.user }),
    ...(entry.keyId === undefined ? {} : { keyId: redactKeyId(entry.keyId) }),
    reason: entry.reason,
    approver: entry.approver,
    ticket: entry.ticket,
    expires: entry.expires,
    state: isExpired(entry, now) ? 'expired' : 'active',
    excepted: excepts.get(entry) ?? 0,
    inScope: inScope(entry)
  }))

  const byKind = Object.fromEntries(
    FINDING_KINDS.map((kind) => [kind, { noncompliant: 0, excepted: 0 }])
  ) as Record<FindingKind, { noncompliant: number; excepted: number }>
  for (const finding of findings) {
    byKind[finding.kind][finding.exception ? 'excepted' : 'noncompliant'] += 1
  }
  const excepted = findings.filter((finding) => finding.exception).length
  const noncompliant = findings.length - excepted
  const activeKeys = users.flatMap((user) => user.keys.filter(isActive))
  const activeAges = activeKeys.map((key) => ageInDays(key.createdAt, now))

  return {
    users: users.map((user) => ({
      name: user.name,
      arn: user.arn,
      keys: user.keys.length,
      activeKeys: user.keys.filter(isActive).length
    })),
    keys,
    findings,
    exceptions,
    totals: {
      users: users.length,
      keys: keys.length,
      activeKeys: activeKeys.length,
      findings: byKind,
      excepted,
      noncompliant
    },
    compliance: {
      maxKeyAgeDays: policy.maxKeyAgeDays,
      activeKeys: activeKeys.length,
      maxActiveKeyAgeDays: activeAges.length === 0 ? null : Math.max(...activeAges),
      compliant: noncompliant === 0,
      noncompliantCount: noncompliant
    }
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
