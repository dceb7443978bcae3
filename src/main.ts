/**
 * Wires the real adapters to the rotation (or the audit) and publishes its record. The only place
 * that calls core.setFailed; never throws, so tests and @github/local-action can import and run it.
 */
import * as core from '@actions/core'
import { randomUUID } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { audit, type AuditScope } from './audit/audit.js'
import type { AuditRecord } from './audit/record.js'
import {
  activeException,
  EMPTY_REGISTER,
  loadRegister,
  RegisterError,
  type ExceptionsRegister
} from './audit/register.js'
import { createAuditIam, createIam } from './aws/iam.js'
import { lazyGitHub } from './github/lazy.js'
import { FleetError, loadFleet, selectUser, type FleetUser } from './fleet.js'
import { errorMessage } from './errors.js'
import { ALL_USERS, InputError, readInputs, smokeRepositoriesOf, type Inputs } from './inputs.js'
import { rotateFleet, type FleetRecord } from './rotation/fleet.js'
import type { Clock, Log } from './rotation/ports.js'
import type { RotationRecord } from './rotation/record.js'
import { rotate, type RotationDeps, type RotationSettings } from './rotation/rotate.js'
import { commandEnvironment } from './rotation/smoke.js'
import {
  auditAnnotations,
  auditOutcomeText,
  buildAuditEvidence,
  buildAuditOutputs,
  renderAuditSummary
} from './report/audit.js'
import { runContextFromEnv, type Report } from './report/context.js'
import { buildEvidence } from './report/evidence.js'
import {
  buildFleetEvidence,
  buildFleetOutputs,
  renderFleetSummary,
  type FleetReport
} from './report/fleet.js'
import { buildOutputs } from './report/outputs.js'
import { renderSummary, SUMMARY_LIMIT_BYTES } from './report/summary.js'
import { createCommandRunner } from './smoke/command.js'
import { targetLabel } from './targets.js'
import { USER_AGENT, VERSION } from './version.js'

export const EVIDENCE_FILE_NAME = 'aws-key-rotation-evidence.json'

/** GitHub shows at most 10 warnings per step; the 10th says how many more are in the log. */
const MAX_WARNINGS = 9

export function createLog(): Log {
  let warnings = 0
  return {
    info: (message) => core.info(message),
    warning: (message) => {
      warnings += 1
      if (warnings <= MAX_WARNINGS) core.warning(message)
      else {
        if (warnings === MAX_WARNINGS + 1)
          core.warning('More warnings follow in the log (annotation limit).')
        core.info(`Warning: ${message}`)
      }
    },
    group: (name, fn) => core.group(name, fn)
  }
}

const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms))
}

export async function run(): Promise<void> {
  if (core.getInput('mode').trim() === 'audit') return runAudit()
  const log = createLog()
  const startedAt = new Date().toISOString()
  let inputs: Inputs | undefined
  let record: RotationRecord
  try {
    inputs = readInputs((name) => core.getInput(name))
    core.setSecret(inputs.githubToken)
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd()
    // A bad fleet file or register fails the step here, before any AWS call.
    const fleet =
      inputs.config === undefined
        ? undefined
        : await loadFleet(inputs.config, workspace, inputs.secretNames)
    const register =
      inputs.exceptions === undefined
        ? EMPTY_REGISTER
        : await loadRegister(inputs.exceptions, workspace)
    const users = fleet
      ? inputs.iamUserName === undefined
        ? fleet.users
        : [selectUser(fleet, inputs.iamUserName)]
      : undefined
    const deps = rotationDeps(inputs, register, log)
    if (fleet && users && users.length !== 1) {
      core.info(`Fleet file ${fleet.file}: ${users.length} IAM users, rotated one after the other.`)
      const fleetRecord = await rotateFleet(
        fleet.file,
        users.map((user) => ({
          name: user.iamUserName,
          settings: settingsFrom(inputs as Inputs, user)
        })),
        deps
      )
      await publishFleet(fleetRecord, inputs)
      const failed = fleetRecord.users.filter((user) => user.record.outcome === 'failed')
      if (failed.length > 0) {
        core.setFailed(
          `${failed.length} of ${fleetRecord.users.length} IAM users failed:\n${failed.map((user) => `${user.name}: ${failureText(user.record)}`).join('\n')}`
        )
      }
      return
    }
    record = await rotate(settingsFrom(inputs, users?.[0]), deps)
  } catch (error) {
    record = failedBeforeStart(error, startedAt)
  }
  await publish(record, inputs)
  if (record.outcome === 'failed') core.setFailed(failureText(record))
}

function rotationDeps(inputs: Inputs, register: ExceptionsRegister, log: Log): RotationDeps {
  const requestTimeoutMs = inputs.requestTimeoutSeconds * 1000
  const github = lazyGitHub(async () => {
    const { createGitHubAdapters } = await import('./github/adapters.js')
    return createGitHubAdapters(
      {
        token: inputs.githubToken,
        userAgent: USER_AGENT,
        requestTimeoutMs,
        writesPerMinute: inputs.githubWritesPerMinute
      },
      log
    )
  })
  return {
    iam: createIam({ region: inputs.awsRegion, userAgent: USER_AGENT, requestTimeoutMs }),
    secrets: github.secrets,
    workflows: github.workflows,
    commands: createCommandRunner((line) => core.info(line)),
    clock: systemClock,
    log,
    exceptionFor: (userName, keyIds, now) => {
      const entry = activeException(register, userName, keyIds, now)
      return (
        entry && {
          line: entry.line,
          reason: entry.reason,
          approver: entry.approver,
          ticket: entry.ticket,
          expires: entry.expires
        }
      )
    }
  }
}

/** The rotation's settings from the inputs, or from a fleet file's user with the inputs as fallback. */
function settingsFrom(inputs: Inputs, user?: FleetUser): RotationSettings {
  const runId = process.env.GITHUB_RUN_ID ?? 'local'
  const attempt = process.env.GITHUB_RUN_ATTEMPT ?? '1'
  const rotationId = `${runId}-${attempt}-${randomUUID().slice(0, 8)}`
  const targets = user ? user.targets.map((entry) => entry.target) : inputs.targets
  const smoke = {
    ...inputs.smoke,
    ...(user?.smoke.command === undefined ? {} : { command: user.smoke.command }),
    ...(user?.smoke.workflow === undefined ? {} : { workflow: user.smoke.workflow }),
    ...(user?.smoke.ref === undefined ? {} : { ref: user.smoke.ref }),
    ...(user?.smoke.timeoutSeconds === undefined
      ? {}
      : { timeoutSeconds: user.smoke.timeoutSeconds }),
    repositories:
      user?.smoke.repositories ??
      (inputs.smoke.explicitRepositories.length > 0
        ? inputs.smoke.explicitRepositories
        : smokeRepositoriesOf(targets))
  }
  return {
    rotationId,
    ...(user
      ? { userName: user.iamUserName }
      : inputs.iamUserName === undefined
        ? {}
        : { userName: inputs.iamUserName }),
    targets,
    secretNames: inputs.secretNames,
    ...(user
      ? {
          targetOptions: new Map(
            user.targets.map((entry) => [
              targetLabel(entry.target),
              {
                secretNames: entry.secretNames,
                ...(entry.newOrgSecret ? { newOrgSecret: entry.newOrgSecret } : {})
              }
            ])
          )
        }
      : {}),
    rotateAfterDays: user?.rotateAfterDays ?? inputs.rotateAfterDays,
    maxKeyAgeDays: user?.maxKeyAgeDays ?? inputs.maxKeyAgeDays,
    force: inputs.force,
    deleteAfterDays: user?.deleteAfterDays ?? inputs.deleteAfterDays,
    propagationTimeoutSeconds: inputs.propagationTimeoutSeconds,
    dryRun: inputs.dryRun,
    ...(process.env.GITHUB_REPOSITORY ? { ownRepository: process.env.GITHUB_REPOSITORY } : {}),
    ...(smoke.command !== undefined || smoke.workflow !== undefined
      ? {
          smoke: {
            ...smoke,
            rotationId,
            commandEnv: commandEnvironment(process.env, inputs.awsRegion)
          }
        }
      : {})
  }
}

/** The problems of a bad input, fleet file or register (all found before any call), if that is what failed. */
function inputProblems(error: unknown): readonly string[] | undefined {
  return error instanceof InputError ||
    error instanceof RegisterError ||
    error instanceof FleetError
    ? error.problems
    : undefined
}

/** Why a run stopped before its first call: the input problems, or the unexpected error. */
function beforeStartMessage(error: unknown, nothingWas: 'changed' | 'read'): string {
  const problems = inputProblems(error)
  return problems
    ? `Invalid input, nothing was ${nothingWas}:\n${problems.map((problem) => `- ${problem}`).join('\n')}`
    : `Unexpected error, nothing was ${nothingWas}: ${errorMessage(error)}`
}

function failedBeforeStart(error: unknown, startedAt: string): RotationRecord {
  const message = beforeStartMessage(error, 'changed')
  return {
    outcome: 'failed',
    startedAt,
    finishedAt: new Date().toISOString(),
    keysFound: [],
    removedKeys: [],
    targets: [],
    smoke: [],
    plan: [],
    instructions: [],
    failure: { stage: 'inputs', message }
  }
}

function failureText(record: RotationRecord): string {
  const failure = record.failure
  if (!failure) return 'Rotation failed.'
  const fix = failure.fix ? `\nFix: ${failure.fix}` : ''
  const todo = record.instructions.length > 0 ? `\n${record.instructions.join('\n')}` : ''
  return `Rotation failed at stage '${failure.stage}': ${failure.message}${fix}${todo}`
}

function evidenceFilePath(): string {
  return join(process.env.RUNNER_TEMP || tmpdir(), EVIDENCE_FILE_NAME)
}

/** A reporting problem is a warning: it never hides the outcome. */
async function writeEvidence(file: string, evidence: Record<string, unknown>): Promise<void> {
  try {
    await mkdir(dirname(file), { recursive: true })
    await writeFile(file, `${JSON.stringify(evidence, null, 2)}\n`, 'utf8')
    core.info(`Evidence written to ${file}.`)
  } catch (error) {
    core.warning(`Could not write the evidence file ${file}: ${errorMessage(error)}`)
  }
}

async function writeSummary(render: () => string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  try {
    const html = render()
    if (Buffer.byteLength(html, 'utf8') > SUMMARY_LIMIT_BYTES) throw new Error('summary too large')
    await core.summary.addRaw(html, true).write()
  } catch (error) {
    core.warning(`Could not write the job summary: ${errorMessage(error)}`)
  }
}

function setOutputs(outputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value)
}

/** Evidence file, summary, outputs and the success notice; a reporting problem never hides the outcome. */
async function publish(record: RotationRecord, inputs: Inputs | undefined): Promise<void> {
  const evidenceFile = evidenceFilePath()
  const report: Report = {
    record,
    run: runContextFromEnv(process.env),
    maxKeyAgeDays: inputs?.maxKeyAgeDays ?? 90,
    ...(inputs ? { rotateAfterDays: inputs.rotateAfterDays } : {}),
    evidenceFile,
    version: VERSION
  }
  await writeEvidence(evidenceFile, buildEvidence(report))
  setOutputs(buildOutputs(record, evidenceFile))
  await writeSummary(() => renderSummary(report))

  const notice = successNotice(record)
  if (notice) core.notice(notice, { title: 'AWS access key rotation' })
}

/** The fleet run's roll-up: one evidence file, one summary, outputs over every user. */
async function publishFleet(fleet: FleetRecord, inputs: Inputs): Promise<void> {
  const evidenceFile = evidenceFilePath()
  const run = runContextFromEnv(process.env)
  const report: FleetReport = {
    fleet,
    run,
    users: fleet.users.map((user) => ({
      record: user.record,
      run,
      maxKeyAgeDays: inputs.maxKeyAgeDays,
      rotateAfterDays: inputs.rotateAfterDays,
      evidenceFile,
      version: VERSION
    })),
    evidenceFile,
    version: VERSION
  }
  await writeEvidence(evidenceFile, buildFleetEvidence(report))
  setOutputs(buildFleetOutputs(fleet, evidenceFile))
  await writeSummary(() => renderFleetSummary(report))
  const counts = ['rotated', 'skipped', 'dry-run', 'failed']
    .map(
      (outcome) =>
        [outcome, fleet.users.filter((user) => user.record.outcome === outcome).length] as const
    )
    .filter(([, count]) => count > 0)
    .map(([outcome, count]) => `${count} ${outcome}`)
  if (fleet.outcome !== 'failed') {
    core.notice(`Fleet ${fleet.file}: ${counts.join(', ')}.`, { title: 'AWS access key rotation' })
  }
}

// ---- mode: audit ---------------------------------------------------------------------------------

/** Read-only: no GitHub client is created, and the IAM port it gets cannot write. */
async function runAudit(): Promise<void> {
  const log = createLog()
  const startedAt = new Date().toISOString()
  let inputs: Inputs | undefined
  let record: AuditRecord
  try {
    inputs = readInputs((name) => core.getInput(name))
    if (inputs.githubToken !== '') core.setSecret(inputs.githubToken)
    // A bad register fails the step here, before any AWS call.
    const register =
      inputs.exceptions === undefined
        ? EMPTY_REGISTER
        : await loadRegister(inputs.exceptions, process.env.GITHUB_WORKSPACE || process.cwd())
    if (register.entries.length > 0) {
      core.info(`Exceptions register ${register.file}: ${register.entries.length} entry(ies).`)
    }
    // With a fleet file (and no iam-user-name), the fleet's users are audited.
    const fleet =
      inputs.config === undefined || inputs.iamUserName !== undefined
        ? undefined
        : await loadFleet(
            inputs.config,
            process.env.GITHUB_WORKSPACE || process.cwd(),
            inputs.secretNames
          )
    record = await audit(
      auditSettingsFrom(
        inputs,
        register,
        fleet?.users.map((user) => user.iamUserName)
      ),
      {
        iam: createAuditIam({
          region: inputs.awsRegion,
          userAgent: USER_AGENT,
          requestTimeoutMs: inputs.requestTimeoutSeconds * 1000
        }),
        clock: systemClock,
        log
      }
    )
  } catch (error) {
    record = auditFailedBeforeStart(error, startedAt, inputs)
  }

  const evidenceFile = evidenceFilePath()
  const report = { record, run: runContextFromEnv(process.env), evidenceFile, version: VERSION }
  await writeEvidence(evidenceFile, buildAuditEvidence(report))
  setOutputs(buildAuditOutputs(record, evidenceFile))
  await writeSummary(() => renderAuditSummary(report))
  for (const annotation of auditAnnotations(record)) {
    const emit = annotation.level === 'error' ? core.error : core.notice
    emit(annotation.message, { title: annotation.title })
  }
  const outcome = auditOutcomeText(record)
  if (record.outcome === 'audited' && record.compliance?.compliant) {
    core.notice(outcome, { title: 'AWS access key audit' })
  } else {
    core.setFailed(outcome)
  }
}

function auditSettingsFrom(
  inputs: Inputs,
  register: ExceptionsRegister,
  fleetUsers: readonly string[] | undefined
) {
  const name = inputs.iamUserName
  const scope: AuditScope = fleetUsers
    ? { kind: 'users', names: [...fleetUsers] }
    : name === undefined
      ? { kind: 'caller' }
      : name === ALL_USERS
        ? { kind: 'account' }
        : { kind: 'users', names: [name] }
  return {
    scope,
    maxKeyAgeDays: inputs.maxKeyAgeDays,
    deleteAfterDays: inputs.deleteAfterDays,
    register
  }
}

function auditFailedBeforeStart(
  error: unknown,
  startedAt: string,
  inputs: Inputs | undefined
): AuditRecord {
  const message = beforeStartMessage(error, 'read')
  return {
    outcome: 'failed',
    startedAt,
    finishedAt: new Date().toISOString(),
    scope: { kind: 'account' },
    settings: {
      maxKeyAgeDays: inputs?.maxKeyAgeDays ?? 90,
      deleteAfterDays: inputs?.deleteAfterDays ?? 0
    },
    ...(inputs?.exceptions === undefined ? {} : { exceptionsFile: inputs.exceptions }),
    exceptions: [],
    users: [],
    keys: [],
    findings: [],
    failure: { stage: 'inputs', message }
  }
}

function successNotice(record: RotationRecord): string | undefined {
  const user = record.user?.arn ?? 'the IAM user'
  switch (record.outcome) {
    case 'rotated': {
      const stored = record.targets.filter((target) => target.holds === 'new').length
      const old = record.oldKey
        ? ` Old key ${record.oldKey.id} is ${String(record.oldKey.status).toLowerCase()}.`
        : ''
      return `Rotated the access key of ${user}: new key ${record.newKey?.id ?? ''} verified and stored in ${stored} target(s).${old}`
    }
    case 'skipped':
      return `No rotation needed for ${user}: ${record.decision?.reason ?? 'key is young'}.`
    case 'dry-run':
      return `Dry run for ${user}: ${record.plan.length} step(s) planned, nothing changed.`
    default:
      return undefined
  }
}
