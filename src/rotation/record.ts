/**
 * The one result object of a run. The summary, annotations, outputs and evidence file are all
 * rendered from it. Key IDs in here are already redacted; secrets never enter it.
 */
import type { LastUsedRecord } from '../keys.js'
import type { TargetKind } from '../targets.js'

export type Outcome = 'rotated' | 'skipped' | 'dry-run' | 'failed'

export type Stage =
  | 'inputs'
  | 'resolve'
  | 'preflight'
  | 'create'
  | 'verify'
  | 'store'
  | 'smoke'
  | 'retire'
  | 'cleanup'
  | 'recover'
  /** mode: audit, reading keys or the credential report */
  | 'audit'

export type FinalKeyStatus = 'Active' | 'Inactive' | 'Deleted' | (string & {})

export interface KeyRecord {
  /** Redacted: first 4 + last 4. */
  readonly id: string
  readonly createdAt: string
  readonly ageDays: number
  readonly lastUsed?: LastUsedRecord
  status: FinalKeyStatus
  statusChangedAt?: string
}

export interface NewKeyRecord extends KeyRecord {
  verifiedArn?: string
  verificationMs?: number
  verificationAttempts?: number
}

/** What a target's two secrets hold at the end of the run. */
export type Holding = 'new' | 'old' | 'unchanged' | 'mixed' | 'unknown'

export interface TargetRecord {
  readonly target: string
  readonly kind: TargetKind
  readonly scope: string
  readonly secretNames: readonly [string, string]
  result: 'planned' | 'preflight-ok' | 'written' | 'failed' | 'restored' | 'not-written'
  holds: Holding
  writtenAt?: string
  detail?: string
}

export interface SmokeRecord {
  readonly kind: 'command' | 'workflow'
  readonly name: string
  result: 'passed' | 'failed' | 'timed-out' | 'not-run'
  url?: string
  detail?: string
}

export interface Failure {
  readonly stage: Stage
  readonly message: string
  readonly fix?: string
}

export interface RotationRecord {
  outcome: Outcome
  readonly startedAt: string
  finishedAt?: string
  account?: string
  callerArn?: string
  user?: { readonly name: string; readonly arn: string }
  /** The action signs with the key it rotates. */
  selfRotation?: boolean
  decision?: {
    readonly action: 'rotate' | 'bootstrap' | 'skip' | 'stop' | 'resume'
    readonly reason: string
  }
  /** The exceptions register entry that made this run skip the user. */
  exception?: {
    readonly line: number
    readonly reason: string
    readonly approver: string
    readonly ticket: string
    readonly expires: string
  }
  /** An earlier run's unfinished rotation this run found, and what it did about it. */
  recovery?: {
    /** Redacted ID of the key the earlier run created. */
    readonly pendingKey: string
    readonly createdAt: string
    /** Targets written after that key was created (by the earlier run). */
    touchedTargets: string[]
    outcome: 'finished' | 'rolled-back' | 'removed-unused-key' | 'needs-a-person'
  }
  /** Keys as found at the start. */
  keysFound: KeyRecord[]
  oldKey?: KeyRecord
  newKey?: NewKeyRecord
  /** Inactive keys this run deleted (leftovers of earlier rotations). */
  removedKeys: KeyRecord[]
  targets: TargetRecord[]
  smoke: SmokeRecord[]
  /** What a dry run would do, or what this run did, in order. */
  plan: string[]
  /** What a person has to do, when the run could not finish on its own. */
  instructions: string[]
  failure?: Failure
  compliance?: {
    readonly maxKeyAgeDays: number
    readonly activeKeys: number
    readonly maxActiveKeyAgeDays: number | null
    readonly compliant: boolean
  }
}
