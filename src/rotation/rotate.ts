/**
 * The rotation, in the order the SPEC fixes: resolve, preflight, create, verify, store, smoke,
 * retire, with the never-lock-out compensation on any failure after the key exists, and the
 * recovery of a rotation an earlier run left unfinished (a crash, a cancelled job).
 * Every effect goes through the injected ports; this module imports no SDK.
 */
import { ActionError, errorMessage, explainAws, explainGetUser, explainGitHub } from '../errors.js'
import { ageInDays, exceedsMaxAge, lastUsedRecord, lastUsedText, redactKeyId } from '../keys.js'
import { targetLabel, type SecretNames, type Target, type TargetOptions } from '../targets.js'
import {
  AwsCallError,
  GitHubCallError,
  type AccessKey,
  type Clock,
  type CommandRunner,
  type Credentials,
  type Iam,
  type IamUser,
  type Log,
  type NewAccessKey,
  type ScopeAccess,
  type SecretStore,
  type Workflows
} from './ports.js'
import type { KeyRecord, RotationRecord, Stage, TargetRecord } from './record.js'
import { SmokeChecks, type SmokeSettings } from './smoke.js'
import { verifyNewKey, withPropagationRetry } from './verify.js'

export interface RotationSettings {
  readonly userName?: string
  readonly targets: readonly Target[]
  /** The secret names of every target, unless targetOptions says otherwise. */
  readonly secretNames: SecretNames
  /** Per-target settings from a fleet file, by target label. */
  readonly targetOptions?: ReadonlyMap<string, TargetOptions>
  readonly rotateAfterDays: number
  readonly maxKeyAgeDays: number
  readonly force: boolean
  readonly deleteAfterDays: number
  readonly propagationTimeoutSeconds: number
  readonly dryRun: boolean
  /** Absent when neither smoke-command nor smoke-workflow is set. */
  readonly smoke?: SmokeSettings
  /** `owner/repo` of the workflow run: its repo: target is written last (see store()). */
  readonly ownRepository?: string
  /** Unique per run: marks the key this run creates (its IAM description) and its smoke runs. */
  readonly rotationId: string
}

export interface RotationDeps {
  readonly iam: Iam
  readonly secrets: SecretStore
  readonly clock: Clock
  readonly log: Log
  /** Needed when settings.smoke is set. */
  readonly commands?: CommandRunner
  readonly workflows?: Workflows
  /** The approved, unexpired exception that covers this user or one of its keys, if any. */
  readonly exceptionFor?: (
    userName: string,
    keyIds: readonly string[],
    now: Date
  ) => Exception | undefined
}

export type Exception = NonNullable<RotationRecord['exception']>

/** The permission each target kind needs, named as GitHub names it for Apps and fine-grained PATs. */
const PERMISSION_FOR: Record<Target['kind'], string> = {
  repo: '"Secrets: Read and write"',
  env: '"Environments: Read and write"',
  dependabot: '"Dependabot secrets: Read and write"',
  org: '"Organization secrets: Read and write"'
}

const USER_ARN = /^arn:[^:]+:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/
const MINUTE_MS = 60_000
/**
 * Secret writes up to this long before a key's creation still count as "after" it: GitHub's and
 * AWS's clocks differ a little, and erring this way only makes a run more careful.
 */
const CLOCK_MARGIN_MS = 5 * MINUTE_MS
/** How the action describes the keys it creates (IAM key description = user tag named after the key). */
export const KEY_DESCRIPTION_PREFIX = 'rotate-aws-access-key'

type Decision = NonNullable<RotationRecord['decision']>

/** Whether a write landed: GitHub said so, said no, or its answer was lost. */
type Landed = 'yes' | 'no' | 'maybe'

interface WriteState {
  id: Landed
  secret: Landed
}

interface WriteResult {
  readonly landed: Landed
  readonly error?: unknown
}

export async function rotate(
  settings: RotationSettings,
  deps: RotationDeps
): Promise<RotationRecord> {
  return new Rotation(settings, deps).run()
}

class Rotation {
  private readonly record: RotationRecord
  private stage: Stage = 'resolve'
  private user: IamUser = { name: '', arn: '' }
  private keys: AccessKey[] = []
  /** Status of every key of the user as this run leaves it; drives the compliance verdict. */
  private readonly keyStatus = new Map<string, { createdAt: Date; status: string }>()
  private callerKeyId: string | undefined
  private oldKey: AccessKey | undefined
  private oldSecret: string | undefined
  /** A key an earlier run created and did not finish rotating. */
  private pendingKey: AccessKey | undefined
  private pendingSecret: string | undefined
  private stopError: ActionError | undefined
  private newKey: NewAccessKey | undefined
  private readonly access = new Map<string, ScopeAccess>()
  private readonly writes = new Map<string, WriteState>()
  private readonly smoke: SmokeChecks | undefined

  constructor(
    private readonly settings: RotationSettings,
    private readonly deps: RotationDeps
  ) {
    this.record = {
      outcome: 'failed',
      startedAt: deps.clock.now().toISOString(),
      keysFound: [],
      removedKeys: [],
      targets: settings.targets.map((target) => this.targetRecord(target)),
      smoke: [],
      plan: [],
      instructions: []
    }
    if (settings.smoke) {
      const { commands, workflows } = deps
      if (!commands || !workflows) {
        throw new Error('smoke checks need a command runner and workflows')
      }
      this.smoke = new SmokeChecks(
        settings.smoke,
        { commands, workflows, clock: deps.clock, log: deps.log },
        this.record.smoke
      )
    }
  }

  async run(): Promise<RotationRecord> {
    const { log } = this.deps
    try {
      let decision = await log.group('Resolve the IAM user and its keys', () => this.resolve())
      this.record.decision = decision
      log.info(`Decision: ${decision.action}: ${decision.reason}.`)
      if (decision.action === 'stop') throw this.stopError ?? new Error(decision.reason)

      // An excepted user is left exactly as it is.
      if (!this.record.exception) await this.removeInactiveKeysPastGrace()
      if (decision.action === 'skip' && !this.settings.dryRun) {
        this.record.outcome = 'skipped'
        return this.record
      }

      await log.group(`Preflight ${this.settings.targets.length} target(s)`, () => this.preflight())
      if (this.settings.dryRun) {
        this.planDryRun(decision)
        this.record.outcome = 'dry-run'
        return this.record
      }

      if (decision.action === 'resume') {
        const next = await log.group('Finish the rotation an earlier run left unfinished', () =>
          this.recover()
        )
        if (next === 'restart') {
          decision = this.decide(this.deps.clock.now())
          this.record.decision = {
            action: decision.action,
            reason: `${decision.reason}, after undoing an unfinished rotation`
          }
          log.info(`Decision: ${decision.action}: ${decision.reason}.`)
          if (decision.action === 'skip') {
            this.record.outcome = 'skipped'
            return this.record
          }
        }
      }

      // A recovered rotation already has its new key (the one this job runs with).
      const resumed = this.newKey !== undefined
      if (!resumed) await log.group('Create the new access key', () => this.create())
      try {
        if (!resumed) await log.group('Verify the new key with STS', () => this.verify())
        await log.group(`Store the new key in ${this.settings.targets.length} target(s)`, () =>
          this.store()
        )
        const smoke = this.smoke
        if (smoke) {
          this.stage = 'smoke'
          await log.group(`Smoke checks (${smoke.count})`, () => smoke.run(this.newCredentials()))
        }
      } catch (error) {
        await log.group('Keep the old key working (compensation)', () => this.compensate())
        throw error
      }
      await log.group('Retire the old key', () => this.retire())
      if (this.record.recovery && resumed) this.record.recovery.outcome = 'finished'
      this.record.outcome = 'rotated'
    } catch (error) {
      this.fail(error)
    } finally {
      this.finish()
    }
    return this.record
  }

  // ---- 1. Resolve ------------------------------------------------------------------------------

  private async resolve(): Promise<Decision> {
    const { iam, log } = this.deps
    this.stage = 'resolve'
    const caller = await iam.caller().catch((error: unknown) => this.callerFailed(error))
    this.record.account = caller.account
    this.record.callerArn = caller.arn
    const callerUserName = USER_ARN.exec(caller.arn)?.[1]
    log.info(`AWS credentials belong to ${caller.arn}.`)

    const wanted = this.settings.userName
    if (wanted === undefined) {
      if (callerUserName === undefined) {
        throw new ActionError(
          'inputs',
          `iam-user-name is empty and the AWS credentials are not an IAM user's (${caller.arn}).`,
          'Set iam-user-name to the IAM user whose key this action rotates; role credentials (for example from OIDC) have no access key to rotate.'
        )
      }
      this.user = { name: callerUserName, arn: caller.arn }
    } else if (wanted === callerUserName) {
      this.user = { name: wanted, arn: caller.arn }
    } else {
      this.user = await iam.getUser(wanted).catch((error: unknown) => {
        throw explainGetUser(
          'resolve',
          error,
          wanted,
          caller.account,
          'Fix iam-user-name, or create the user first.'
        )
      })
    }
    this.record.user = { name: this.user.name, arn: this.user.arn }
    const selfRotation = callerUserName === this.user.name
    this.record.selfRotation = selfRotation
    log.info(
      selfRotation
        ? `Rotating the key the action itself runs with (user ${this.user.arn}).`
        : `Rotating a key of ${this.user.arn} with the credentials of ${caller.arn}.`
    )

    this.keys = await iam
      .listKeys(this.user.name)
      .catch((error: unknown) =>
        Promise.reject(explainAws('resolve', error, `Listing the access keys of ${this.user.name}`))
      )
    const now = this.deps.clock.now()
    for (const key of this.keys) {
      this.keyStatus.set(key.id, { createdAt: key.createdAt, status: key.status })
    }
    this.record.keysFound = this.keys.map((key) => this.keyRecord(key, now))
    for (const key of this.record.keysFound) {
      log.info(
        `Key ${key.id}: ${key.status}, created ${key.createdAt} (${key.ageDays} days), ${lastUsedText(key)}.`
      )
    }

    const exception = this.deps.exceptionFor?.(
      this.user.name,
      this.keys.map((key) => key.id),
      now
    )
    if (exception) {
      const entry = `line ${exception.line}: ${exception.reason}; approved by ${exception.approver}, ${exception.ticket}, until ${exception.expires}`
      if (!this.settings.force) {
        this.record.exception = exception
        return {
          action: 'skip',
          reason: `the exceptions register excepts ${this.user.name} (${entry})`
        }
      }
      log.warning(`force is set, so the exception for ${this.user.name} (${entry}) is overridden.`)
    }

    let callerSecret: string | undefined
    if (selfRotation) {
      const credentials = await iam.callerCredentials()
      this.callerKeyId = credentials.accessKeyId
      // A run with the user's own long-term key knows that key's secret.
      if (credentials.sessionToken === undefined) callerSecret = credentials.secretAccessKey
    }

    const active = this.keys.filter((key) => key.status === 'Active').sort(byCreation)
    if (active.length >= 2) {
      const descriptions = await iam.keyDescriptions(this.user.name).catch((error: unknown) => {
        log.warning(
          `Could not read the key descriptions of ${this.user.name} (${errorMessage(error)}): an interrupted rotation cannot be recognised. Grant iam:ListUserTags (see the README).`
        )
        return new Map<string, string>()
      })
      return this.twoActiveKeys(active, descriptions, callerSecret, now)
    }

    if (selfRotation) {
      this.oldKey = this.keys.find((key) => key.id === this.callerKeyId)
      // The action runs with the old key: a failed rotation can put the old value back.
      if (this.oldKey) this.oldSecret = callerSecret
    } else {
      this.oldKey = active[0]
    }
    if (this.oldKey) this.record.oldKey = this.keyRecord(this.oldKey, now)
    return this.decide(now)
  }

  /** The job's own credentials failed: say why in terms of what a rotation may have done. */
  private async callerFailed(error: unknown): Promise<never> {
    if (error instanceof AwsCallError && error.code === 'SignatureDoesNotMatch') {
      const credentials = await this.deps.iam.callerCredentials().catch(() => undefined)
      const id = credentials ? redactKeyId(credentials.accessKeyId) : 'the job'
      const names = this.secretNamesText()
      throw new ActionError(
        'resolve',
        `AWS rejected the job's credentials: the secret does not belong to access key ${id} (SignatureDoesNotMatch). ` +
          `A rotation was probably interrupted between writing ${names} of the target this job reads, so that target pairs the new key ID with the old secret. Both keys are still active.`,
        `Set ${this.settings.secretNames.accessKeyId} of that target back to the ID of the user's older access key (IAM console, or aws iam list-access-keys), which matches the secret it still holds, then run this action again: it finishes the rotation.`
      )
    }
    if (error instanceof AwsCallError && error.kind === 'propagation') {
      const credentials = await this.deps.iam.callerCredentials().catch(() => undefined)
      const id = credentials ? redactKeyId(credentials.accessKeyId) : 'of the job'
      throw new ActionError(
        'resolve',
        `AWS does not recognise the access key ${id} the job runs with (${error.code}): it was deleted or deactivated.`,
        'If a rotation just finished (another run of this workflow, or one started at the same time), this job was queued with the old secrets and nothing is wrong: run again. Otherwise give the job current credentials.'
      )
    }
    throw explainAws('resolve', error, 'Reading the identity of the AWS credentials')
  }

  /** rotate / bootstrap / skip, from the current key's age. */
  private decide(now: Date): Decision {
    if (this.keys.length === 0) return { action: 'bootstrap', reason: 'the user has no access key' }
    if (!this.oldKey) return { action: 'bootstrap', reason: 'the user has no active access key' }
    const age = ageInDays(this.oldKey.createdAt, now)
    if (this.settings.force) {
      return { action: 'rotate', reason: `force is set; the key is ${age} days old` }
    }
    if (age >= this.settings.rotateAfterDays) {
      return {
        action: 'rotate',
        reason: `the key is ${age} days old (rotate-after-days: ${this.settings.rotateAfterDays})`
      }
    }
    return {
      action: 'skip',
      reason: `the key is ${age} days old, younger than rotate-after-days (${this.settings.rotateAfterDays})`
    }
  }

  /**
   * Two active keys: either an earlier run of this action created the younger one and did not
   * finish (crash, cancelled job), or a person made it. Only the first is ours to resolve, and
   * only once it is older than a run can take (else a run may be working on it right now). The
   * action recognises its keys by their IAM description.
   */
  private twoActiveKeys(
    active: readonly AccessKey[],
    descriptions: ReadonlyMap<string, string>,
    callerSecret: string | undefined,
    now: Date
  ): Decision {
    const [older, younger] = active
    if (!older || !younger) throw new Error('two active keys expected')
    const age = now.getTime() - younger.createdAt.getTime()
    const label = redactKeyId(younger.id)
    const ours = descriptions.get(younger.id)?.startsWith(KEY_DESCRIPTION_PREFIX) === true
    if (!ours) {
      this.stopError = this.twoActiveKeysError(younger)
      return { action: 'stop', reason: `${this.user.name} has ${active.length} active keys` }
    }
    if (age < this.runBudgetMs()) {
      const minutes = Math.ceil((this.runBudgetMs() - age) / MINUTE_MS)
      this.stopError = new ActionError(
        'resolve',
        `IAM user ${this.user.name} has a second active key ${label}, created by this action ${Math.round(age / 1000)} s ago: another rotation of this user is probably running right now. Nothing was changed.`,
        `Give every workflow that rotates this user the same concurrency group (see the README) so runs wait for each other. If no other run is going on, run again in ${minutes} minute(s): the key is then treated as left over by an interrupted run.`
      )
      this.record.instructions.push(this.stopError.fix ?? '')
      return { action: 'stop', reason: 'a rotation of this user seems to be in progress' }
    }
    this.oldKey = older
    this.pendingKey = younger
    this.record.oldKey = this.keyRecord(older, now)
    if (this.callerKeyId === older.id) this.oldSecret = callerSecret
    if (this.callerKeyId === younger.id) this.pendingSecret = callerSecret
    this.record.recovery = {
      pendingKey: label,
      createdAt: younger.createdAt.toISOString(),
      touchedTargets: [],
      outcome: 'needs-a-person'
    }
    return {
      action: 'resume',
      reason: `key ${label} (created ${younger.createdAt.toISOString()}) is the new key of a rotation an earlier run of this action did not finish`
    }
  }

  /** The longest a run of this configuration takes; a younger pending key may be in use by one. */
  private runBudgetMs(): number {
    const smokeSeconds = this.settings.smoke?.timeoutSeconds ?? 0
    return (this.settings.propagationTimeoutSeconds * 2 + smokeSeconds) * 1000 + 5 * MINUTE_MS
  }

  private twoActiveKeysError(younger: AccessKey): ActionError {
    const described = this.record.keysFound
      .filter((key) => key.status === 'Active')
      .map(
        (key) =>
          `${key.id} (created ${key.createdAt}, ${key.ageDays} days old, ${lastUsedText(key)})`
      )
    const neverUsed = younger.lastUsed?.date === undefined
    const instruction =
      `Find which key the pipeline uses (compare "last used" above), make sure every target holds it, ` +
      `then deactivate the other one: aws iam update-access-key --user-name ${this.user.name} ` +
      `--access-key-id <the other key> --status Inactive. Run this action again once the user has one active key.` +
      (neverUsed
        ? ` The newer key ${redactKeyId(younger.id)} was never used: if nobody made it on purpose, it is most likely left by a run that was killed right after creating it, and deleting it is safe: aws iam delete-access-key --user-name ${this.user.name} --access-key-id <${redactKeyId(younger.id)}>.`
        : '')
    this.record.instructions.push(instruction)
    return new ActionError(
      'resolve',
      `IAM user ${this.user.name} has two active access keys: ${described.join(' and ')}. ` +
        'The action never deactivates an active key it did not create, so it changed nothing.',
      instruction
    )
  }

  /** Inactive leftovers are deleted once the current key is delete-after-days old (0: at once). */
  private async removeInactiveKeysPastGrace(): Promise<void> {
    const { deleteAfterDays } = this.settings
    const inactive = this.keys.filter((key) => key.status !== 'Active')
    if (inactive.length === 0 || !this.oldKey) return
    const currentAge = ageInDays(this.oldKey.createdAt, this.deps.clock.now())
    if (deleteAfterDays > 0 && currentAge < deleteAfterDays) {
      for (const key of inactive) {
        this.deps.log.info(
          `Inactive key ${redactKeyId(key.id)} is kept until the current key is ${deleteAfterDays} days old (now ${currentAge}).`
        )
      }
      return
    }
    for (const key of inactive) {
      await this.deleteInactiveKey(
        key,
        `its grace period is over (delete-after-days: ${deleteAfterDays})`
      )
    }
  }

  private async deleteInactiveKey(key: AccessKey, why: string): Promise<void> {
    const label = redactKeyId(key.id)
    if (this.settings.dryRun) {
      this.record.plan.push(`Delete inactive key ${label}: ${why}.`)
      return
    }
    this.stage = 'cleanup'
    this.deps.log.info(`Deleting inactive key ${label}: ${why}.`)
    await this.removeKey(key, 'cleanup', `Deleting inactive key ${label}`)
  }

  /** Deletes a key no target needs (a leftover, an unfinished rotation's key) and records it. */
  private async removeKey(key: AccessKey, stage: Stage, context: string): Promise<void> {
    await this.deleteKey(key.id).catch((error: unknown) => {
      // Already gone (a concurrent run deleted it): the goal is reached.
      if (error instanceof AwsCallError && error.kind === 'not-found') return
      throw explainAws(stage, error, context)
    })
    const now = this.deps.clock.now()
    this.keys = this.keys.filter((other) => other.id !== key.id)
    this.keyStatus.set(key.id, { createdAt: key.createdAt, status: 'Deleted' })
    this.record.removedKeys.push({
      ...this.keyRecord(key, now),
      status: 'Deleted',
      statusChangedAt: now.toISOString()
    })
  }

  /** Deletes a key and, best effort, its description (IAM allows 50 tags per user). */
  private async deleteKey(keyId: string, iam: Iam = this.deps.iam): Promise<void> {
    await iam.deleteKey(this.user.name, keyId)
    await iam
      .removeKeyDescription(this.user.name, keyId)
      .catch((error: unknown) =>
        this.deps.log.info(
          `Could not remove the description of ${redactKeyId(keyId)}: ${errorMessage(error)}`
        )
      )
  }

  // ---- 2. Preflight ----------------------------------------------------------------------------

  private async preflight(): Promise<void> {
    this.stage = 'preflight'
    const problems: ActionError[] = []
    for (const [index, target] of this.settings.targets.entries()) {
      const label = targetLabel(target)
      const record = this.targetAt(index)
      try {
        const options = this.settings.targetOptions?.get(label)
        this.access.set(
          label,
          await this.deps.secrets.preflight(target, {
            secretNames: this.namesFor(target),
            ...(options?.newOrgSecret ? { newOrgSecret: options.newOrgSecret } : {})
          })
        )
        record.result = 'preflight-ok'
        this.deps.log.info(
          `[${index + 1}/${this.settings.targets.length}] ${label}: reachable, public key read.`
        )
      } catch (error) {
        const explained = explainGitHub(
          'preflight',
          error,
          `Target ${label}`,
          PERMISSION_FOR[target.kind]
        )
        record.result = 'failed'
        record.detail = explained.message
        problems.push(explained)
      }
    }
    const [first] = problems
    if (first) {
      const more =
        problems.length > 1 ? ` (and ${problems.length - 1} more target(s), see the summary)` : ''
      throw new ActionError('preflight', `${first.message}${more} Nothing was changed.`, first.fix)
    }
    await this.smoke?.preflight()
  }

  private planDryRun(decision: Decision): void {
    const { plan } = this.record
    if (decision.action === 'skip') {
      plan.push(`Skip: ${decision.reason}.`)
      return
    }
    if (decision.action === 'resume' && this.pendingKey) {
      const pending = redactKeyId(this.pendingKey.id)
      plan.push(
        this.pendingSecret !== undefined
          ? `Finish the unfinished rotation to key ${pending}, which this job runs with.`
          : `Undo the unfinished rotation to key ${pending} where possible (targets it reached are put back), or stop with instructions.`
      )
    }
    const crowded = this.keys.filter((key) => key.status !== 'Active')
    if (this.keys.length >= 2 && crowded[0]) {
      plan.push(`Delete inactive key ${redactKeyId(crowded[0].id)} to make room for the new key.`)
    }
    if (decision.action !== 'resume') {
      plan.push(`Create a new access key for ${this.user.name} and verify it with STS.`)
    }
    for (const target of this.settings.targets) {
      plan.push(`Write ${this.secretNamesText()} to ${targetLabel(target)}.`)
    }
    for (const check of this.record.smoke) {
      plan.push(
        `Run the smoke ${check.kind} ${check.name} with the new key; keep the old key if it fails.`
      )
    }
    if (this.oldKey) {
      const old = redactKeyId(this.oldKey.id)
      plan.push(
        this.settings.deleteAfterDays === 0
          ? `Deactivate and delete the old key ${old}.`
          : `Deactivate the old key ${old}; delete it on a run once the new key is ${this.settings.deleteAfterDays} days old.`
      )
    }
    for (const step of plan) this.deps.log.info(`Dry run, would: ${step}`)
  }

  // ---- Recovery of an unfinished rotation ------------------------------------------------------

  /**
   * Finishes (the job runs with the pending key: it knows its secret) or undoes (the job runs
   * with the old key, or no target got the pending key) a rotation an earlier run left halfway.
   * Which targets that run wrote is read from the secrets' `updated_at`.
   */
  private async recover(): Promise<'resume' | 'restart'> {
    const pending = this.pendingKey
    const old = this.oldKey
    const recovery = this.record.recovery
    if (!pending || !old || !recovery) throw new Error('nothing to recover')
    this.stage = 'recover'
    const { log } = this.deps
    const label = redactKeyId(pending.id)
    const touched = await this.targetsWrittenSince(pending.createdAt)
    recovery.touchedTargets = touched.map((entry) => entry.label)

    if (this.pendingSecret !== undefined) {
      this.newKey = { id: pending.id, secret: this.pendingSecret, createdAt: pending.createdAt }
      this.keyStatus.set(pending.id, { createdAt: pending.createdAt, status: 'Active' })
      this.record.newKey = { ...this.keyRecord(pending, this.deps.clock.now()), status: 'Active' }
      log.info(
        `This job runs with the unfinished rotation's key ${label}: finishing that rotation.`
      )
      return 'resume'
    }

    const full = touched.filter((entry) => entry.secret)
    if (full.length > 0 && this.oldSecret === undefined) {
      // Mismatched targets are repaired with the old ID even now: they work with no key at all.
      for (const entry of touched.filter((candidate) => !candidate.secret)) {
        await this.putBack(entry.index, old, undefined)
      }
      const holders = full.map((entry) => entry.label).join(', ')
      const others = this.settings.targets
        .map(targetLabel)
        .filter((target) => !full.some((entry) => entry.label === target))
      const fix =
        `Run this action once with the credentials of key ${label}, for example from a job whose env reads the secrets of ${full[0]?.label ?? 'a target that holds it'} ` +
        `(AWS_ACCESS_KEY_ID: \${{ secrets.${this.settings.secretNames.accessKeyId} }}); it then writes ${label} to the other targets and retires ${redactKeyId(old.id)}.`
      this.record.instructions.push(fix)
      throw new ActionError(
        'recover',
        `An earlier run created key ${label} for ${this.user.name} and wrote it to ${holders}, then stopped before finishing; ${others.length > 0 ? `${others.join(', ')} still hold` : 'the old key'} ${redactKeyId(old.id)}. Both keys are active, so every target works, but this run does not know the new key's secret to finish, nor the old one's to undo.`,
        fix
      )
    }

    for (const entry of touched) await this.putBack(entry.index, old, this.oldSecret)
    await this.removeKey(pending, 'recover', `Deleting the unfinished rotation's key ${label}`)
    this.pendingKey = undefined
    recovery.outcome = touched.length > 0 ? 'rolled-back' : 'removed-unused-key'
    log.info(
      touched.length > 0
        ? `Put ${touched.length} target(s) back to the old key and deleted ${label}.`
        : `No target received key ${label}: deleted it.`
    )
    for (const record of this.record.targets) record.holds = 'unchanged'
    return 'restart'
  }

  /** Targets whose secrets were written after `since` (minus the clock margin). */
  private async targetsWrittenSince(
    since: Date
  ): Promise<{ index: number; label: string; secret: boolean }[]> {
    const threshold = since.getTime() - CLOCK_MARGIN_MS
    const touched: { index: number; label: string; secret: boolean }[] = []
    for (const [index, target] of this.settings.targets.entries()) {
      const label = targetLabel(target)
      const { accessKeyId, secretAccessKey } = this.namesFor(target)
      const [idAt, secretAt] = await Promise.all([
        this.deps.secrets.lastUpdated(target, accessKeyId),
        this.deps.secrets.lastUpdated(target, secretAccessKey)
      ]).catch((error: unknown) =>
        Promise.reject(
          explainGitHub(
            'recover',
            error,
            `Reading when ${label} was written`,
            PERMISSION_FOR[target.kind]
          )
        )
      )
      const id = idAt !== undefined && idAt.getTime() >= threshold
      const secret = secretAt !== undefined && secretAt.getTime() >= threshold
      this.deps.log.info(
        `${label}: ${id || secret ? `written after the key was created (${[id ? accessKeyId : '', secret ? secretAccessKey : ''].filter(Boolean).join(', ')})` : 'not written since'}.`
      )
      if (id || secret) touched.push({ index, label, secret })
    }
    return touched
  }

  /** Writes the old key back to a target (the ID alone when its secret never changed). */
  private async putBack(
    index: number,
    old: AccessKey,
    oldSecret: string | undefined
  ): Promise<void> {
    const target = this.settings.targets[index]
    if (!target) return
    const label = targetLabel(target)
    const access = this.access.get(label)
    if (!access) throw new Error(`no preflight for ${label}`)
    const [id, secret] = await this.writePair(target, access, old.id, oldSecret)
    const error = id.error ?? secret.error
    if (error !== undefined) {
      throw explainGitHub(
        'recover',
        error,
        `Putting the old key back into ${label}`,
        PERMISSION_FOR[target.kind]
      )
    }
    const record = this.targetAt(index)
    record.result = 'restored'
    record.holds = 'old'
    record.writtenAt = this.deps.clock.now().toISOString()
  }

  // ---- 3. Create -------------------------------------------------------------------------------

  private async create(): Promise<void> {
    if (this.keys.length >= 2) {
      const spare = this.keys.filter((key) => key.status !== 'Active').sort(byCreation)[0]
      if (spare) {
        await this.deleteInactiveKey(
          spare,
          'IAM allows two keys per user and the new key needs room'
        )
      }
    }
    this.stage = 'create'
    const before = new Set(this.keys.map((key) => key.id))
    try {
      this.newKey = await this.deps.iam.createKey(this.user.name)
    } catch (error) {
      throw this.createFailed(error)
    }
    const now = this.deps.clock.now()
    this.keyStatus.set(this.newKey.id, { createdAt: this.newKey.createdAt, status: 'Active' })
    this.record.newKey = {
      id: redactKeyId(this.newKey.id),
      createdAt: this.newKey.createdAt.toISOString(),
      ageDays: ageInDays(this.newKey.createdAt, now),
      status: 'Active'
    }
    this.deps.log.info(
      `Created key ${this.record.newKey.id} for ${this.user.name} (values masked).`
    )
    await this.deps.iam
      .describeKey(
        this.user.name,
        this.newKey.id,
        `${KEY_DESCRIPTION_PREFIX} ${this.settings.rotationId}`
      )
      .catch((error: unknown) =>
        this.deps.log.warning(
          `Could not describe the new key as this action's (${errorMessage(error)}): if this run is interrupted, the next one will not recognise the key. Grant iam:TagUser, iam:UntagUser and iam:ListUserTags (see the README).`
        )
      )
    if (!this.oldKey) await this.checkNoConcurrentCreate(before)
  }

  private createFailed(error: unknown): ActionError {
    if (error instanceof AwsCallError && error.kind === 'limit') {
      return new ActionError(
        'create',
        `IAM refused a new key for ${this.user.name} (${error.code}: two keys already): a key was created after this run listed the keys, most likely by another rotation running at the same time. Nothing was changed.`,
        'Give every workflow that rotates this user the same concurrency group (see the README), then run again.'
      )
    }
    if (error instanceof AwsCallError && (error.kind === 'transient' || error.kind === 'other')) {
      // The create may have happened with its answer lost; that key has no holder and no secret
      // anyone knows. Deleting "the new key" here could hit a concurrent run's key instead.
      this.record.instructions.push(
        `CreateAccessKey failed without a clear answer. If it created a key for ${this.user.name} anyway, no target holds that key and nobody knows its secret: the next run names it as a never-used second key, and it can be deleted.`
      )
    }
    return explainAws('create', error, `Creating an access key for ${this.user.name}`)
  }

  /** Two runs can both create a first key; the later one backs out before writing anything. */
  private async checkNoConcurrentCreate(before: Set<string>): Promise<void> {
    const now = await this.deps.iam.listKeys(this.user.name).catch(() => undefined)
    const other = now?.find(
      (key) => key.id !== this.newKey?.id && !before.has(key.id) && key.status === 'Active'
    )
    if (!other) return
    throw new ActionError(
      'create',
      `Another key ${redactKeyId(other.id)} appeared for ${this.user.name} while this run created its own: another run is rotating the same user. This run backs out.`,
      'Give every workflow that rotates this user the same concurrency group (see the README).'
    )
  }

  private newCredentials(): Credentials {
    if (!this.newKey) throw new Error('no new key')
    return { accessKeyId: this.newKey.id, secretAccessKey: this.newKey.secret }
  }

  // ---- 4. Verify -------------------------------------------------------------------------------

  private async verify(): Promise<void> {
    this.stage = 'verify'
    const result = await verifyNewKey({
      iam: this.deps.iam,
      clock: this.deps.clock,
      log: this.deps.log,
      credentials: this.newCredentials(),
      expectedArn: this.user.arn,
      timeoutMs: this.settings.propagationTimeoutSeconds * 1000
    })
    Object.assign(this.record.newKey ?? {}, {
      verifiedArn: result.arn,
      verificationMs: result.elapsedMs,
      verificationAttempts: result.attempts
    })
  }

  // ---- 5. Store --------------------------------------------------------------------------------

  /**
   * Targets in the order they are written: the workflow's own repository last, so that a job
   * killed halfway still reads a consistent pair on its re-run and can repair the others.
   */
  private writeOrder(): number[] {
    const own = this.settings.ownRepository?.toLowerCase()
    const isOwn = (target: Target): boolean =>
      target.kind === 'repo' && `${target.owner}/${target.repo}`.toLowerCase() === own
    const indices = this.settings.targets.map((_, index) => index)
    return [
      ...indices.filter((index) => !isOwn(this.settings.targets[index] as Target)),
      ...indices.filter((index) => isOwn(this.settings.targets[index] as Target))
    ]
  }

  private async store(): Promise<void> {
    this.stage = 'store'
    const newKey = this.newKey
    if (!newKey) throw new Error('no new key')
    const total = this.settings.targets.length
    for (const [position, index] of this.writeOrder().entries()) {
      const target = this.settings.targets[index] as Target
      const label = targetLabel(target)
      const record = this.targetAt(index)
      const access = this.access.get(label)
      if (!access) throw new Error(`no preflight for ${label}`)
      const state: WriteState = { id: 'no', secret: 'no' }
      this.writes.set(label, state)
      const [id, secret] = await this.writePair(target, access, newKey.id, newKey.secret)
      state.id = id.landed
      state.secret = secret.landed
      const error = id.error ?? secret.error
      if (error !== undefined) {
        const explained = explainGitHub(
          'store',
          error,
          `Writing ${label}`,
          PERMISSION_FOR[target.kind]
        )
        record.result = 'failed'
        record.holds = state.id === 'no' && state.secret === 'no' ? 'unchanged' : 'mixed'
        record.detail = explained.message
        throw explained
      }
      record.result = 'written'
      record.holds = 'new'
      record.writtenAt = this.deps.clock.now().toISOString()
      this.deps.log.info(`[${position + 1}/${total}] ${label}: ${this.secretNamesText()} written.`)
    }
  }

  /**
   * Writes a target's ID and secret (an undefined value is left alone). For each, whether it
   * landed; when a write fails without a clear answer, GitHub is asked (updated_at).
   *
   * When the old secret is known, both go at once: every half can be put back, and the shorter
   * the time a target holds half a pair, the smaller the chance a reader, or a job killed right
   * then, sees a mismatched ID and secret. Otherwise the ID goes first and the secret only after
   * it landed, so a failure leaves at most a new ID, which the old ID alone repairs.
   */
  private async writePair(
    target: Target,
    access: ScopeAccess,
    id: string | undefined,
    secret: string | undefined
  ): Promise<[WriteResult, WriteResult]> {
    const { accessKeyId, secretAccessKey } = this.namesFor(target)
    const one = async (name: string, value: string | undefined): Promise<WriteResult> => {
      if (value === undefined) return { landed: 'no' }
      const started = this.deps.clock.now().getTime()
      try {
        await this.deps.secrets.write(target, name, value, access)
        return { landed: 'yes' }
      } catch (error) {
        return { landed: await this.landed(target, name, started, error), error }
      }
    }
    if (this.oldSecret !== undefined) {
      return Promise.all([one(accessKeyId, id), one(secretAccessKey, secret)])
    }
    const first = await one(accessKeyId, id)
    if (first.error !== undefined) return [first, { landed: 'no' }]
    return [first, await one(secretAccessKey, secret)]
  }

  private async landed(
    target: Target,
    name: string,
    started: number,
    error: unknown
  ): Promise<Landed> {
    const status = error instanceof GitHubCallError ? error.status : undefined
    // A 4xx is GitHub refusing the write; anything else (5xx, timeout, reset) may have landed.
    if (status !== undefined && status >= 400 && status < 500) return 'no'
    try {
      const at = await this.deps.secrets.lastUpdated(target, name)
      // GitHub's times have whole seconds: only a write before this second is surely not ours.
      const secondStarted = Math.floor(started / 1000) * 1000
      return at === undefined || at.getTime() < secondStarted ? 'no' : 'maybe'
    } catch {
      return 'maybe'
    }
  }

  /**
   * After a failure with the new key in existence: keep every target on a working key.
   * Targets are put back to the old key where that is possible; the new key is deleted when no
   * target is left holding it.
   */
  private async compensate(): Promise<void> {
    const newKey = this.newKey
    if (!newKey) return
    const { log } = this.deps
    let holdersOfNewKey = 0
    for (const [index, target] of this.settings.targets.entries()) {
      const label = targetLabel(target)
      const state = this.writes.get(label)
      const record = this.targetAt(index)
      if (!state || (state.id === 'no' && state.secret === 'no')) {
        record.holds = 'unchanged'
        if (record.result === 'preflight-ok') record.result = 'not-written'
        continue
      }
      const old = this.oldKey
      const access = this.access.get(label)
      if (!access) throw new Error(`no preflight for ${label}`)
      // Back to the old key: each half that may have changed gets its old value. Without the
      // old secret that works only when the new secret surely did not land.
      if (old && (this.oldSecret !== undefined || state.secret === 'no')) {
        const [id, secret] = await this.writePair(
          target,
          access,
          state.id === 'no' ? undefined : old.id,
          state.secret === 'no' ? undefined : this.oldSecret
        )
        const error = id.error ?? secret.error
        if (error === undefined) {
          record.result = 'restored'
          record.holds = 'old'
          record.writtenAt = this.deps.clock.now().toISOString()
          log.info(`${label}: put back to the old key ${redactKeyId(old.id)}.`)
          continue
        }
        if (id.landed === 'yes') state.id = 'no'
        if (secret.landed === 'yes') state.secret = 'no'
        record.detail =
          `${record.detail ?? ''} Putting the old key back failed: ${errorMessage(error)}`.trim()
        log.warning(`${label}: could not put the old key back: ${errorMessage(error)}`)
        if (state.id === 'no' && state.secret === 'no') {
          record.holds = 'old'
          continue
        }
      }
      // Otherwise forward: complete the new pair, so the target works with the new key.
      const [id, secret] = await this.writePair(
        target,
        access,
        state.id === 'yes' ? undefined : newKey.id,
        state.secret === 'yes' ? undefined : newKey.secret
      )
      if (id.landed === 'yes') state.id = 'yes'
      if (secret.landed === 'yes') state.secret = 'yes'
      record.holds = state.id === 'yes' && state.secret === 'yes' ? 'new' : 'unknown'
      if (record.holds === 'new') log.info(`${label}: holds the new key ${redactKeyId(newKey.id)}.`)
      holdersOfNewKey += 1
    }

    const newLabel = redactKeyId(newKey.id)
    const unsure = this.record.targets.filter(
      (target) => target.holds === 'mixed' || target.holds === 'unknown'
    )
    if (holdersOfNewKey === 0 && unsure.length === 0) {
      try {
        await this.deleteKey(newKey.id)
        this.markNewKey('Deleted')
        log.info(`Deleted the new key ${newLabel}: no target holds it.`)
      } catch (error) {
        log.warning(`Could not delete the unused new key ${newLabel}: ${errorMessage(error)}`)
        this.record.instructions.push(
          `Delete the unused new key ${newLabel} of ${this.user.name} (aws iam delete-access-key --user-name ${this.user.name} --access-key-id <${newLabel}>), or let the next run do it.`
        )
      }
    } else {
      this.keepBothKeysInstructions(newLabel)
    }
    if (this.oldKey) log.info(`The old key ${redactKeyId(this.oldKey.id)} stays active.`)
  }

  private keepBothKeysInstructions(newLabel: string): void {
    const old = this.oldKey ? redactKeyId(this.oldKey.id) : undefined
    const holding = (...kinds: string[]): string =>
      this.record.targets
        .filter((target) => kinds.includes(target.holds))
        .map((target) => target.target)
        .join(', ')
    const lines = [
      `Both keys stay active${old ? `: the old key ${old} and the new key ${newLabel}` : ''}.`
    ]
    if (holding('new')) lines.push(`These targets hold the new key ${newLabel}: ${holding('new')}.`)
    if (holding('old', 'unchanged')) {
      lines.push(
        `These targets still hold the old key${old ? ` ${old}` : ''}: ${holding('old', 'unchanged')}.`
      )
    }
    if (holding('mixed', 'unknown')) {
      lines.push(
        `These targets may hold a mismatched pair and need ${this.secretNamesText()} set again: ${holding('mixed', 'unknown')}.`
      )
    }
    lines.push(
      'Run this action again once the cause is fixed: a run whose job has the new key finishes the rotation; one with the old key puts the old key back everywhere and starts over.'
    )
    this.record.instructions.push(lines.join(' '))
  }

  // ---- 7. Retire -------------------------------------------------------------------------------

  private async retire(): Promise<void> {
    const old = this.oldKey
    if (!old) {
      this.deps.log.info('No old key to retire (first key of the user).')
      return
    }
    this.stage = 'retire'
    const label = redactKeyId(old.id)
    // Once the old key is inactive it cannot sign the delete, so a self-rotating run signs with the new key.
    const iam = this.record.selfRotation
      ? this.deps.iam.withCredentials(this.newCredentials())
      : this.deps.iam
    const retry = {
      clock: this.deps.clock,
      log: this.deps.log,
      timeoutMs: this.settings.propagationTimeoutSeconds * 1000
    }
    try {
      await withPropagationRetry(retry, 'iam:UpdateAccessKey', () =>
        iam.setKeyStatus(this.user.name, old.id, 'Inactive')
      )
      this.markOldKey('Inactive')
      this.deps.log.info(`Deactivated the old key ${label}.`)
      if (this.settings.deleteAfterDays === 0) {
        await withPropagationRetry(retry, 'iam:DeleteAccessKey', () => this.deleteKey(old.id, iam))
        this.markOldKey('Deleted')
        this.deps.log.info(`Deleted the old key ${label}.`)
      } else {
        this.record.plan.push(
          `The old key ${label} is inactive; a run once the new key is ${this.settings.deleteAfterDays} days old deletes it.`
        )
        this.deps.log.info(
          `Kept the inactive key ${label} for ${this.settings.deleteAfterDays} days (delete-after-days).`
        )
      }
    } catch (error) {
      const status = this.record.oldKey?.status ?? 'Active'
      this.record.instructions.push(
        `The new key ${this.record.newKey?.id ?? ''} is stored in every target and verified. ` +
          `The old key ${label} is still ${status}: run this action again with the new key (it finishes the rotation), or deactivate and delete it by hand (aws iam update-access-key --user-name ${this.user.name} --access-key-id <${label}> --status Inactive, then aws iam delete-access-key).`
      )
      throw explainAws('retire', error, `Retiring the old key ${label}`)
    }
  }

  // ---- Reporting helpers -----------------------------------------------------------------------

  private fail(error: unknown): void {
    this.record.outcome = 'failed'
    if (error instanceof ActionError) {
      this.record.failure = {
        stage: error.stage,
        message: error.message,
        ...(error.fix === undefined ? {} : { fix: error.fix })
      }
    } else {
      this.record.failure = { stage: this.stage, message: errorMessage(error) }
    }
    for (const target of this.record.targets) {
      if (target.result === 'planned' || target.result === 'preflight-ok') {
        target.result = 'not-written'
      }
    }
  }

  private finish(): void {
    const now = this.deps.clock.now()
    this.record.finishedAt = now.toISOString()
    if (this.keyStatus.size === 0 && !this.record.user) return
    const active = [...this.keyStatus.values()].filter((key) => key.status === 'Active')
    const ages = active.map((key) => ageInDays(key.createdAt, now))
    this.record.compliance = {
      maxKeyAgeDays: this.settings.maxKeyAgeDays,
      activeKeys: active.length,
      maxActiveKeyAgeDays: ages.length === 0 ? null : Math.max(...ages),
      compliant: active.every(
        (key) => !exceedsMaxAge(key.createdAt, now, this.settings.maxKeyAgeDays)
      )
    }
  }

  private markOldKey(status: 'Inactive' | 'Deleted'): void {
    if (!this.oldKey || !this.record.oldKey) return
    this.keyStatus.set(this.oldKey.id, { createdAt: this.oldKey.createdAt, status })
    this.record.oldKey.status = status
    this.record.oldKey.statusChangedAt = this.deps.clock.now().toISOString()
  }

  private markNewKey(status: 'Deleted'): void {
    if (!this.newKey || !this.record.newKey) return
    this.keyStatus.set(this.newKey.id, { createdAt: this.newKey.createdAt, status })
    this.record.newKey.status = status
    this.record.newKey.statusChangedAt = this.deps.clock.now().toISOString()
  }

  private keyRecord(key: AccessKey, now: Date): KeyRecord {
    return {
      id: redactKeyId(key.id),
      createdAt: key.createdAt.toISOString(),
      ageDays: ageInDays(key.createdAt, now),
      status: key.status,
      ...lastUsedRecord(key.lastUsed)
    }
  }

  private targetRecord(target: Target): TargetRecord {
    return {
      target: targetLabel(target),
      kind: target.kind,
      scope: scopeText(target),
      secretNames: [this.namesFor(target).accessKeyId, this.namesFor(target).secretAccessKey],
      result: 'planned',
      holds: 'unchanged'
    }
  }

  private targetAt(index: number): TargetRecord {
    const record = this.record.targets[index]
    if (!record) throw new Error(`no target record ${index}`)
    return record
  }

  private namesFor(target: Target): SecretNames {
    return (
      this.settings.targetOptions?.get(targetLabel(target))?.secretNames ??
      this.settings.secretNames
    )
  }

  private secretNamesText(): string {
    return `${this.settings.secretNames.accessKeyId} and ${this.settings.secretNames.secretAccessKey}`
  }
}

function byCreation(a: AccessKey, b: AccessKey): number {
  return a.createdAt.getTime() - b.createdAt.getTime()
}

function scopeText(target: Target): string {
  switch (target.kind) {
    case 'repo':
      return `repository ${target.owner}/${target.repo}`
    case 'env':
      return `environment ${target.environment} of ${target.owner}/${target.repo}`
    case 'dependabot':
      return `Dependabot secrets of ${target.owner}/${target.repo}`
    case 'org':
      return `organization ${target.org}`
  }
}
