/**
 * The rotation, in the order the SPEC fixes: resolve, preflight, create, verify, store, smoke,
 * retire, with the never-lock-out compensation on any failure after the key exists.
 * Every effect goes through the injected ports; this module imports no SDK.
 */
import { ActionError, errorMessage, explainAws, explainGitHub } from '../errors.js'
import { ageInDays, exceedsMaxAge, lastUsedText, redactKeyId } from '../keys.js'
import { targetLabel, type Target } from '../targets.js'
import {
  AwsCallError,
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
  readonly secretNames: { readonly accessKeyId: string; readonly secretAccessKey: string }
  readonly rotateAfterDays: number
  readonly maxKeyAgeDays: number
  readonly force: boolean
  readonly deleteAfterDays: number
  readonly propagationTimeoutSeconds: number
  readonly dryRun: boolean
  /** Absent when neither smoke-command nor smoke-workflow is set. */
  readonly smoke?: SmokeSettings
}

export interface RotationDeps {
  readonly iam: Iam
  readonly secrets: SecretStore
  readonly clock: Clock
  readonly log: Log
  /** Needed when settings.smoke is set. */
  readonly commands?: CommandRunner
  readonly workflows?: Workflows
}

/** The permission each target kind needs, named as GitHub names it for Apps and fine-grained PATs. */
const PERMISSION_FOR: Record<Target['kind'], string> = {
  repo: '"Secrets: Read and write"',
  env: '"Environments: Read and write"',
  dependabot: '"Dependabot secrets: Read and write"',
  org: '"Organization secrets: Read and write"'
}

const USER_ARN = /^arn:[^:]+:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/

type Decision = NonNullable<RotationRecord['decision']>

/** Progress of the two writes of one target, for the compensation. */
interface WriteState {
  idWritten: boolean
  secretWritten: boolean
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
  private oldKey: AccessKey | undefined
  private oldSecret: string | undefined
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
      if (!commands || !workflows)
        throw new Error('smoke checks need a command runner and workflows')
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
      const decision = await log.group('Resolve the IAM user and its keys', () => this.resolve())
      this.record.decision = decision
      log.info(`Decision: ${decision.action}: ${decision.reason}.`)
      if (decision.action === 'stop') throw this.twoActiveKeysError()

      await this.removeInactiveKeysPastGrace()
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

      await log.group('Create the new access key', () => this.create())
      try {
        await log.group('Verify the new key with STS', () => this.verify())
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
    const caller = await iam
      .caller()
      .catch((error: unknown) =>
        Promise.reject(explainAws('resolve', error, 'Reading the identity of the AWS credentials'))
      )
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
        if (error instanceof AwsCallError && error.kind === 'not-found') {
          throw new ActionError(
            'inputs',
            `iam-user-name: IAM user '${wanted}' does not exist in account ${caller.account}.`,
            'Fix iam-user-name, or create the user first.'
          )
        }
        throw explainAws('resolve', error, `Reading IAM user '${wanted}'`)
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
    for (const key of this.keys)
      this.keyStatus.set(key.id, { createdAt: key.createdAt, status: key.status })
    this.record.keysFound = this.keys.map((key) => this.keyRecord(key, now))
    for (const key of this.record.keysFound) {
      log.info(
        `Key ${key.id}: ${key.status}, created ${key.createdAt} (${key.ageDays} days), ${lastUsedText(key)}.`
      )
    }

    const active = this.keys.filter((key) => key.status === 'Active')
    if (active.length >= 2) {
      return { action: 'stop', reason: `${this.user.name} has ${active.length} active keys` }
    }
    if (selfRotation) {
      const credentials = await iam.callerCredentials()
      this.oldKey = this.keys.find((key) => key.id === credentials.accessKeyId)
      if (this.oldKey && credentials.sessionToken === undefined) {
        // The action runs with the old key: a failed rotation can put the old value back.
        this.oldSecret = credentials.secretAccessKey
      }
    } else {
      this.oldKey = active[0]
    }
    if (this.oldKey) this.record.oldKey = this.keyRecord(this.oldKey, now)

    if (this.keys.length === 0) return { action: 'bootstrap', reason: 'the user has no access key' }
    if (!this.oldKey) return { action: 'bootstrap', reason: 'the user has no active access key' }
    const age = ageInDays(this.oldKey.createdAt, now)
    if (this.settings.force)
      return { action: 'rotate', reason: `force is set; the key is ${age} days old` }
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

  private twoActiveKeysError(): ActionError {
    const described = this.record.keysFound
      .filter((key) => key.status === 'Active')
      .map(
        (key) =>
          `${key.id} (created ${key.createdAt}, ${key.ageDays} days old, ${lastUsedText(key)})`
      )
    const instruction =
      `Find which key the pipeline uses (compare "last used" above), make sure every target holds it, ` +
      `then deactivate the other one: aws iam update-access-key --user-name ${this.user.name} ` +
      `--access-key-id <the other key> --status Inactive. Run this action again once the user has one active key.`
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
    await this.deps.iam
      .deleteKey(this.user.name, key.id)
      .catch((error: unknown) =>
        Promise.reject(explainAws('cleanup', error, `Deleting inactive key ${label}`))
      )
    const now = this.deps.clock.now()
    this.keys = this.keys.filter((other) => other.id !== key.id)
    this.keyStatus.set(key.id, { createdAt: key.createdAt, status: 'Deleted' })
    this.record.removedKeys.push({
      ...this.keyRecord(key, now),
      status: 'Deleted',
      statusChangedAt: now.toISOString()
    })
  }

  // ---- 2. Preflight ----------------------------------------------------------------------------

  private async preflight(): Promise<void> {
    this.stage = 'preflight'
    const problems: ActionError[] = []
    for (const [index, target] of this.settings.targets.entries()) {
      const label = targetLabel(target)
      const record = this.targetAt(index)
      try {
        this.access.set(label, await this.deps.secrets.preflight(target))
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
    const crowded = this.keys.filter((key) => key.status !== 'Active')
    if (this.keys.length >= 2 && crowded[0]) {
      plan.push(`Delete inactive key ${redactKeyId(crowded[0].id)} to make room for the new key.`)
    }
    plan.push(`Create a new access key for ${this.user.name} and verify it with STS.`)
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

  // ---- 3. Create -------------------------------------------------------------------------------

  private async create(): Promise<void> {
    if (this.keys.length >= 2) {
      const spare = this.keys.filter((key) => key.status !== 'Active').sort(byCreation)[0]
      if (spare)
        await this.deleteInactiveKey(
          spare,
          'IAM allows two keys per user and the new key needs room'
        )
    }
    this.stage = 'create'
    const before = new Set(this.keys.map((key) => key.id))
    try {
      this.newKey = await this.deps.iam.createKey(this.user.name)
    } catch (error) {
      await this.removeOrphanKeys(before)
      throw explainAws('create', error, `Creating an access key for ${this.user.name}`)
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
  }

  /** A create whose answer was lost may still have made a key nobody has the secret of. */
  private async removeOrphanKeys(before: Set<string>): Promise<void> {
    try {
      const now = await this.deps.iam.listKeys(this.user.name)
      for (const key of now.filter((candidate) => !before.has(candidate.id))) {
        this.deps.log.warning(
          `Deleting key ${redactKeyId(key.id)}: created by a failed call, its secret was never received.`
        )
        await this.deps.iam.deleteKey(this.user.name, key.id)
      }
    } catch (error) {
      this.deps.log.warning(
        `Could not check for a key left by the failed create: ${errorMessage(error)}`
      )
    }
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

  private async store(): Promise<void> {
    this.stage = 'store'
    const newKey = this.newKey
    if (!newKey) throw new Error('no new key')
    const { accessKeyId: idName, secretAccessKey: secretName } = this.settings.secretNames
    const total = this.settings.targets.length
    for (const [index, target] of this.settings.targets.entries()) {
      const label = targetLabel(target)
      const record = this.targetAt(index)
      const access = this.access.get(label)
      if (!access) throw new Error(`no preflight for ${label}`)
      const state: WriteState = { idWritten: false, secretWritten: false }
      this.writes.set(label, state)
      try {
        // The ID goes first: if the second write fails, putting the old ID back needs no secret.
        await this.deps.secrets.write(target, idName, newKey.id, access)
        state.idWritten = true
        await this.deps.secrets.write(target, secretName, newKey.secret, access)
        state.secretWritten = true
      } catch (error) {
        const explained = explainGitHub(
          'store',
          error,
          `Writing ${label}`,
          PERMISSION_FOR[target.kind]
        )
        record.result = 'failed'
        record.holds = state.idWritten ? 'mixed' : 'unchanged'
        record.detail = explained.message
        throw explained
      }
      record.result = 'written'
      record.holds = 'new'
      record.writtenAt = this.deps.clock.now().toISOString()
      this.deps.log.info(`[${index + 1}/${total}] ${label}: ${this.secretNamesText()} written.`)
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
    const { accessKeyId: idName, secretAccessKey: secretName } = this.settings.secretNames
    let holdersOfNewKey = 0
    for (const [index, target] of this.settings.targets.entries()) {
      const label = targetLabel(target)
      const state = this.writes.get(label)
      const record = this.targetAt(index)
      if (!state?.idWritten) {
        record.holds = 'unchanged'
        if (record.result === 'preflight-ok') record.result = 'not-written'
        continue
      }
      const access = this.access.get(label)
      const old = this.oldKey
      // A target whose secret write failed still holds the old secret: the old ID completes it.
      const oldSecret = state.secretWritten ? this.oldSecret : ''
      if (old === undefined || access === undefined || oldSecret === undefined) {
        record.holds = state.secretWritten ? 'new' : 'mixed'
        if (state.secretWritten) holdersOfNewKey += 1
        continue
      }
      try {
        await this.deps.secrets.write(target, idName, old.id, access)
        if (state.secretWritten)
          await this.deps.secrets.write(target, secretName, oldSecret, access)
        record.result = 'restored'
        record.holds = 'old'
        record.writtenAt = this.deps.clock.now().toISOString()
        log.info(`${label}: put back to the old key ${redactKeyId(old.id)}.`)
      } catch (error) {
        record.holds = state.secretWritten ? 'new' : 'unknown'
        if (state.secretWritten) holdersOfNewKey += 1
        record.detail =
          `${record.detail ?? ''} Restoring the old key failed: ${errorMessage(error)}`.trim()
        log.warning(`${label}: could not put the old key back: ${errorMessage(error)}`)
      }
    }

    const newLabel = redactKeyId(newKey.id)
    const unsure = this.record.targets.filter(
      (target) => target.holds === 'mixed' || target.holds === 'unknown'
    )
    if (holdersOfNewKey === 0 && unsure.length === 0) {
      try {
        await this.deps.iam.deleteKey(this.user.name, newKey.id)
        this.markNewKey('Deleted')
        log.info(`Deleted the new key ${newLabel}: no target holds it.`)
      } catch (error) {
        log.warning(`Could not delete the unused new key ${newLabel}: ${errorMessage(error)}`)
        this.record.instructions.push(
          `Delete the unused new key ${newLabel} of ${this.user.name}: aws iam delete-access-key --user-name ${this.user.name} --access-key-id <${newLabel}>.`
        )
      }
    } else {
      this.keepBothKeysInstructions(newLabel)
    }
    if (this.oldKey) log.info(`The old key ${redactKeyId(this.oldKey.id)} stays active.`)
  }

  private keepBothKeysInstructions(newLabel: string): void {
    const old = this.oldKey ? redactKeyId(this.oldKey.id) : undefined
    const holding = (kind: string): string =>
      this.record.targets
        .filter((target) => target.holds === kind)
        .map((target) => target.target)
        .join(', ')
    const lines = [
      `Both keys stay active${old ? `: the old key ${old} and the new key ${newLabel}` : ''}.`
    ]
    if (holding('new')) lines.push(`These targets hold the new key ${newLabel}: ${holding('new')}.`)
    for (const kind of ['old', 'unchanged']) {
      if (holding(kind))
        lines.push(`These targets still hold the old key${old ? ` ${old}` : ''}: ${holding(kind)}.`)
    }
    const unsure = [holding('mixed'), holding('unknown')].filter(Boolean).join(', ')
    if (unsure) {
      lines.push(
        `These targets may hold a mismatched pair and need ${this.secretNamesText()} set again: ${unsure}.`
      )
    }
    lines.push(
      'Fix the cause, then either write the new key to the remaining targets and delete the old key, or put the old key back everywhere and delete the new one.'
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
        await withPropagationRetry(retry, 'iam:DeleteAccessKey', () =>
          iam.deleteKey(this.user.name, old.id)
        )
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
          `The old key ${label} is still ${status}: deactivate and delete it (aws iam update-access-key --user-name ${this.user.name} --access-key-id <${label}> --status Inactive, then aws iam delete-access-key), or run this action again.`
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
    const lastUsed = key.lastUsed
    return {
      id: redactKeyId(key.id),
      createdAt: key.createdAt.toISOString(),
      ageDays: ageInDays(key.createdAt, now),
      status: key.status,
      ...(lastUsed
        ? {
            lastUsed: {
              ...(lastUsed.date ? { date: lastUsed.date.toISOString() } : {}),
              ...(lastUsed.service ? { service: lastUsed.service } : {}),
              ...(lastUsed.region ? { region: lastUsed.region } : {})
            }
          }
        : {})
    }
  }

  private targetRecord(target: Target): TargetRecord {
    return {
      target: targetLabel(target),
      kind: target.kind,
      scope: scopeText(target),
      secretNames: [
        this.settings.secretNames.accessKeyId,
        this.settings.secretNames.secretAccessKey
      ],
      result: 'planned',
      holds: 'unchanged'
    }
  }

  private targetAt(index: number): TargetRecord {
    const record = this.record.targets[index]
    if (!record) throw new Error(`no target record ${index}`)
    return record
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
