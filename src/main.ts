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
import { errorMessage } from './errors.js'
import { createOctokit } from './github/octokit.js'
import { WritePacer } from './github/pacer.js'
import { createSecretStore } from './github/secrets.js'
import { createWorkflows } from './github/workflows.js'
import { ALL_USERS, InputError, readInputs, type Inputs } from './inputs.js'
import type { Clock, Log } from './rotation/ports.js'
import type { RotationRecord } from './rotation/record.js'
import { rotate, type RotationSettings } from './rotation/rotate.js'
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
import { buildOutputs } from './report/outputs.js'
import { renderSummary, SUMMARY_LIMIT_BYTES } from './report/summary.js'
import { createCommandRunner } from './smoke/command.js'
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
    const requestTimeoutMs = inputs.requestTimeoutSeconds * 1000
    const iam = createIam({ region: inputs.awsRegion, userAgent: USER_AGENT, requestTimeoutMs })
    const octokit = createOctokit(inputs.githubToken, USER_AGENT, log, requestTimeoutMs)
    const pacer = new WritePacer(inputs.githubWritesPerMinute)
    // A bad register fails the step here, before any AWS call.
    const register =
      inputs.exceptions === undefined
        ? EMPTY_REGISTER
        : await loadRegister(inputs.exceptions, process.env.GITHUB_WORKSPACE || process.cwd())
    record = await rotate(settingsFrom(inputs), {
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
      },
      iam,
      secrets: createSecretStore(octokit, pacer),
      workflows: createWorkflows(octokit, pacer),
      commands: createCommandRunner((line) => core.info(line)),
      clock: systemClock,
      log
    })
  } catch (error) {
    record = failedBeforeStart(error, startedAt)
  }
  await publish(record, inputs)
  if (record.outcome === 'failed') core.setFailed(failureText(record))
}

function settingsFrom(inputs: Inputs): RotationSettings {
  const { smoke } = inputs
  const runId = process.env.GITHUB_RUN_ID ?? 'local'
  const attempt = process.env.GITHUB_RUN_ATTEMPT ?? '1'
  const rotationId = `${runId}-${attempt}-${randomUUID().slice(0, 8)}`
  return {
    rotationId,
    ...(inputs.iamUserName === undefined ? {} : { userName: inputs.iamUserName }),
    targets: inputs.targets,
    secretNames: inputs.secretNames,
    rotateAfterDays: inputs.rotateAfterDays,
    maxKeyAgeDays: inputs.maxKeyAgeDays,
    force: inputs.force,
    deleteAfterDays: inputs.deleteAfterDays,
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

function failedBeforeStart(error: unknown, startedAt: string): RotationRecord {
  const message =
    error instanceof InputError || error instanceof RegisterError
      ? `Invalid input, nothing was changed:\n${error.problems.map((problem) => `- ${problem}`).join('\n')}`
      : `Unexpected error, nothing was changed: ${errorMessage(error)}`
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
    record = await audit(auditSettingsFrom(inputs, register), {
      iam: createAuditIam({
        region: inputs.awsRegion,
        userAgent: USER_AGENT,
        requestTimeoutMs: inputs.requestTimeoutSeconds * 1000
      }),
      clock: systemClock,
      log
    })
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

function auditSettingsFrom(inputs: Inputs, register: ExceptionsRegister) {
  const name = inputs.iamUserName
  const scope: AuditScope =
    name === undefined
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
  const problems =
    error instanceof InputError || error instanceof RegisterError ? error.problems : undefined
  const message = problems
    ? `Invalid input, nothing was read:\n${problems.map((problem) => `- ${problem}`).join('\n')}`
    : `Unexpected error, nothing was read: ${errorMessage(error)}`
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
