/**
 * The one result object of an audit run. The summary, annotations, outputs and evidence file are
 * all rendered from it. Key IDs in here are already redacted.
 */
import type { LastUsedRecord } from '../keys.js'
import type { Failure } from '../rotation/record.js'

/** Worst first: the order of the summary, the annotations and the evidence. */
export const FINDING_KINDS = [
  'key-too-old',
  'two-active-keys',
  'expired-exception',
  'inactive-key-past-grace',
  'inactive-key',
  'never-used'
] as const

export type FindingKind = (typeof FINDING_KINDS)[number]

/** What each finding means and which control asks for it. */
export const FINDING_INFO: Record<
  FindingKind,
  { readonly title: string; readonly control: string }
> = {
  'key-too-old': {
    title: 'Active key older than max-key-age-days',
    control: 'CIS AWS 1.14 (1.4 in v1.2.0) / Security Hub IAM.3'
  },
  'two-active-keys': {
    title: 'More than one active key',
    control: 'CIS AWS "only one active access key per IAM user" (1.13 in v1.4.0, 2.12 in v6.0.0)'
  },
  'expired-exception': {
    title: 'Expired exception',
    control: 'Exceptions register'
  },
  'inactive-key-past-grace': {
    title: 'Inactive key kept past delete-after-days',
    control: 'AWS key rotation: delete the deactivated key once the new one works'
  },
  'inactive-key': {
    title: 'Inactive key left behind',
    control: 'AWS key rotation: delete the deactivated key once the new one works'
  },
  'never-used': {
    title: 'Active key never used',
    control: 'CIS AWS unused credentials (1.12 in v1.4.0)'
  }
}

export type Verdict = 'non-compliant' | 'excepted' | 'compliant'

/** Where a key's facts come from. */
export type KeySource = 'credential-report' | 'list-access-keys'

export interface ExceptionRef {
  readonly line: number
  readonly reason: string
  readonly approver: string
  readonly ticket: string
  readonly expires: string
}

export interface FindingRecord {
  readonly kind: FindingKind
  readonly control: string
  readonly user: string
  /** The key it is about (redacted ID, or "key 1"/"key 2" from the credential report). */
  readonly key?: string
  readonly message: string
  readonly fix: string
  /** Set when an unexpired register entry excepts it: shown, not failing. */
  readonly exception?: ExceptionRef
}

export interface AuditKeyRecord {
  readonly user: string
  readonly userArn: string
  /** The redacted ID when known, otherwise the credential report's slot ("key 1", "key 2"). */
  readonly key: string
  readonly id?: string
  readonly slot?: 1 | 2
  readonly source: KeySource
  readonly status: string
  readonly createdAt: string
  readonly ageDays: number
  readonly lastUsed?: LastUsedRecord
  readonly verdict: Verdict
  /** Kinds of the findings about this key, including its user's one-active-key finding. */
  readonly findings: readonly FindingKind[]
  /** E.g. why an inactive key is not (yet) a finding. */
  readonly note?: string
}

export interface AuditUserRecord {
  readonly name: string
  readonly arn: string
  readonly keys: number
  readonly activeKeys: number
}

export interface ExceptionRecord {
  readonly line: number
  readonly user?: string
  /** Redacted. */
  readonly keyId?: string
  readonly reason: string
  readonly approver: string
  readonly ticket: string
  readonly expires: string
  readonly state: 'active' | 'expired'
  /** Findings this entry excepted in this run (0: it matched nothing). */
  readonly excepted: number
  /** False when it names a user outside this audit's scope. */
  readonly inScope: boolean
}

export type SourceRecord =
  | {
      readonly kind: 'credential-report'
      /** GeneratedTime of the report AWS returned. */
      readonly generatedAt: string
      /** Minutes between GeneratedTime and the start of the audit. */
      readonly ageMinutes: number
      /** False when AWS returned a report generated earlier (it reuses one for 4 hours). */
      readonly newlyGenerated: boolean
      /** Users read live (ListAccessKeys) because a key-id exception names one of their keys. */
      readonly liveUsers: readonly string[]
    }
  | { readonly kind: 'list-access-keys' }

export interface AuditTotals {
  readonly users: number
  readonly keys: number
  readonly activeKeys: number
  readonly findings: Record<FindingKind, { noncompliant: number; excepted: number }>
  readonly excepted: number
  readonly noncompliant: number
}

export interface AuditRecord {
  outcome: 'audited' | 'failed'
  readonly startedAt: string
  finishedAt?: string
  account?: string
  callerArn?: string
  /** Every IAM user of the account, or the named users. */
  scope: { readonly kind: 'account' } | { readonly kind: 'users'; readonly users: string[] }
  source?: SourceRecord
  readonly settings: { readonly maxKeyAgeDays: number; readonly deleteAfterDays: number }
  exceptionsFile?: string
  exceptions: ExceptionRecord[]
  users: AuditUserRecord[]
  /** One entry per access key, worst first. */
  keys: AuditKeyRecord[]
  /** Worst first: non-compliant, then excepted. */
  findings: FindingRecord[]
  totals?: AuditTotals
  compliance?: {
    readonly maxKeyAgeDays: number
    readonly activeKeys: number
    readonly maxActiveKeyAgeDays: number | null
    readonly compliant: boolean
    readonly noncompliantCount: number
  }
  failure?: Failure
}
