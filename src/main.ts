/**
 * Wires the real adapters to the rotation and publishes its record. The only place that calls
 * core.setFailed; never throws, so tests and @github/local-action can import and run it.
 */
import * as core from '@actions/core'
import { randomUUID } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createIam } from './aws/iam.js'
import { errorMessage } from './errors.js'
import { createOctokit } from './github/octokit.js'
import { createSecretStore } from './github/secrets.js'
import { createWorkflows } from './github/workflows.js'
import { InputError, readInputs, type Inputs } from './inputs.js'
import type { Clock, Log } from './rotation/ports.js'
import type { RotationRecord } from './rotation/record.js'
import { rotate, type RotationSettings } from './rotation/rotate.js'
import { commandEnvironment } from './rotation/smoke.js'
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
    record = await rotate(settingsFrom(inputs), {
      iam,
      secrets: createSecretStore(octokit),
      workflows: createWorkflows(octokit),
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
    error instanceof InputError
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

/** Evidence file, summary, outputs and the success notice; a reporting problem never hides the outcome. */
async function publish(record: RotationRecord, inputs: Inputs | undefined): Promise<void> {
  const evidenceFile = join(process.env.RUNNER_TEMP || tmpdir(), EVIDENCE_FILE_NAME)
  const report: Report = {
    record,
    run: runContextFromEnv(process.env),
    maxKeyAgeDays: inputs?.maxKeyAgeDays ?? 90,
    evidenceFile,
    version: VERSION
  }
  try {
    await mkdir(dirname(evidenceFile), { recursive: true })
    await writeFile(evidenceFile, `${JSON.stringify(buildEvidence(report), null, 2)}\n`, 'utf8')
    core.info(`Evidence written to ${evidenceFile}.`)
  } catch (error) {
    core.warning(`Could not write the evidence file ${evidenceFile}: ${errorMessage(error)}`)
  }

  for (const [name, value] of Object.entries(buildOutputs(record, evidenceFile))) {
    core.setOutput(name, value)
  }

  if (process.env.GITHUB_STEP_SUMMARY) {
    try {
      const html = renderSummary(report)
      if (Buffer.byteLength(html, 'utf8') > SUMMARY_LIMIT_BYTES)
        throw new Error('summary too large')
      await core.summary.addRaw(html, true).write()
    } catch (error) {
      core.warning(`Could not write the job summary: ${errorMessage(error)}`)
    }
  }

  const notice = successNotice(record)
  if (notice) core.notice(notice, { title: 'AWS access key rotation' })
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
