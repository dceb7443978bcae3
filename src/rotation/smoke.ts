/**
 * Smoke checks: proof that the *stored* secrets work, not only the key. A command runs with the
 * new key; a dispatched workflow reads the secrets as GitHub stores them (a value sealed with the
 * wrong key is accepted by the API and fails only there).
 */
import { ActionError, explainGitHub } from '../errors.js'
import {
  GitHubCallError,
  type Clock,
  type CommandRunner,
  type Credentials,
  type Log,
  type Workflows
} from './ports.js'
import type { SmokeRecord } from './record.js'

export interface SmokeSettings {
  readonly command?: string
  readonly workflow?: string
  /** `owner/repo` where the workflow is dispatched. */
  readonly repositories: readonly string[]
  readonly ref?: string
  readonly timeoutSeconds: number
  /** Unique per run; passed as the `rotation-id` input so our run is told from any other. */
  readonly rotationId: string
  /** Environment of the command, already stripped of the job's own credentials. */
  readonly commandEnv: Readonly<Record<string, string>>
}

export interface SmokeDeps {
  readonly commands: CommandRunner
  readonly workflows: Workflows
  readonly clock: Clock
  readonly log: Log
}

export const ROTATION_ID_INPUT = 'rotation-id'
const FIRST_POLL_MS = 1_000
const MAX_POLL_MS = 10_000
/** How long to look for a run titled with our rotation id before saying run-name is missing. */
const FIND_RUN_PATIENCE_MS = 60_000
/** Runs created up to this long before our dispatch still count (clock skew between us and GitHub). */
const CLOCK_SKEW_MS = 5_000

/** Environment variables that would let the smoke command use credentials other than the new key. */
const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'GITHUB_TOKEN',
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_URL'
]

/**
 * The smoke command's environment: the job's, without its AWS credentials, tokens or the action's
 * inputs (which hold the GitHub token); the new key is added when the command runs.
 */
export function commandEnvironment(env: NodeJS.ProcessEnv, region: string): Record<string, string> {
  const clean: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || name.startsWith('INPUT_') || CREDENTIAL_VARIABLES.includes(name))
      continue
    clean[name] = value
  }
  clean.AWS_REGION ??= region
  clean.AWS_DEFAULT_REGION ??= clean.AWS_REGION
  return clean
}

interface PlannedWorkflow {
  readonly owner: string
  readonly repo: string
  readonly ref: string
  readonly record: SmokeRecord
}

export class SmokeChecks {
  private readonly planned: PlannedWorkflow[] = []

  constructor(
    private readonly settings: SmokeSettings,
    private readonly deps: SmokeDeps,
    private readonly records: SmokeRecord[]
  ) {}

  /** Before any change: each smoke workflow exists and we know the ref to dispatch on. */
  async preflight(): Promise<void> {
    const { command, workflow } = this.settings
    if (command !== undefined) {
      this.records.push({ kind: 'command', name: commandName(command), result: 'not-run' })
    }
    if (workflow === undefined) return
    for (const repository of this.settings.repositories) {
      const [owner = '', repo = ''] = repository.split('/')
      const label = `smoke-workflow ${workflow} in ${repository}`
      try {
        const ref = this.settings.ref ?? (await this.deps.workflows.defaultBranch(owner, repo))
        await this.deps.workflows.checkWorkflow(owner, repo, workflow)
        const record: SmokeRecord = {
          kind: 'workflow',
          name: `${repository} ${workflow}@${ref}`,
          result: 'not-run'
        }
        this.records.push(record)
        this.planned.push({ owner, repo, ref, record })
        this.deps.log.info(`${label}: found, will be dispatched on ${ref}.`)
      } catch (error) {
        if (error instanceof GitHubCallError && error.status === 404) {
          throw new ActionError(
            'preflight',
            `${label}: the workflow (or the repository) does not exist (GitHub answered 404). Nothing was changed.`,
            `Add .github/workflows/${workflow} to ${repository} (see "Smoke workflow" in the README), or fix smoke-workflow / smoke-repository.`
          )
        }
        const explained = explainGitHub('preflight', error, label, '"Actions: Read and write"')
        throw new ActionError(
          'preflight',
          `${explained.message} Nothing was changed.`,
          explained.fix
        )
      }
    }
  }

  get count(): number {
    return this.records.length
  }

  /** Runs every check with the new key; throws an ActionError('smoke') on the first failure. */
  async run(newKey: Credentials): Promise<void> {
    const { command } = this.settings
    if (command !== undefined) await this.runCommand(command, newKey)
    if (this.planned.length > 0) await this.runWorkflows()
  }

  private async runCommand(command: string, newKey: Credentials): Promise<void> {
    const record = this.records.find((candidate) => candidate.kind === 'command')
    if (!record) return
    const env = {
      ...this.settings.commandEnv,
      AWS_ACCESS_KEY_ID: newKey.accessKeyId,
      AWS_SECRET_ACCESS_KEY: newKey.secretAccessKey
    }
    this.deps.log.info(
      `Running smoke-command with the new key (timeout ${this.settings.timeoutSeconds} s).`
    )
    const result = await this.deps.commands.run(command, env, this.settings.timeoutSeconds * 1000, [
      newKey.secretAccessKey,
      newKey.accessKeyId
    ])
    if (result.timedOut) {
      record.result = 'timed-out'
      record.detail = `still running after ${this.settings.timeoutSeconds} s; stopped`
    } else if (result.exitCode === 0) {
      record.result = 'passed'
      record.detail = 'exit code 0'
      this.deps.log.info('smoke-command passed.')
      return
    } else {
      record.result = 'failed'
      record.detail = `exit code ${result.exitCode ?? 'none (killed)'}`
    }
    this.skipWorkflows()
    throw new ActionError(
      'smoke',
      `smoke-command ${record.result === 'timed-out' ? 'timed out' : 'failed'} (${record.detail}) with the new key.`,
      record.result === 'timed-out'
        ? 'Make the command finish sooner, or raise smoke-timeout-seconds.'
        : 'Read the command output in the log above; the old key was kept.'
    )
  }

  private skipWorkflows(): void {
    for (const planned of this.planned)
      planned.record.detail = 'not dispatched: an earlier smoke check failed'
  }

  private async runWorkflows(): Promise<void> {
    const { workflows, clock, log } = this.deps
    const workflow = this.settings.workflow ?? ''
    const started = clock.now().getTime()
    const deadline = started + this.settings.timeoutSeconds * 1000
    const inputs = { [ROTATION_ID_INPUT]: this.settings.rotationId }

    interface Waiting {
      readonly planned: PlannedWorkflow
      readonly since: Date
      readonly inputsAccepted: boolean
      runId?: number
      done: boolean
    }
    const waiting: Waiting[] = []
    for (const planned of this.planned) {
      const since = new Date(clock.now().getTime() - CLOCK_SKEW_MS)
      try {
        const dispatched = await workflows.dispatch(
          planned.owner,
          planned.repo,
          workflow,
          planned.ref,
          inputs
        )
        if (!dispatched.inputsAccepted) {
          log.warning(
            `${planned.record.name}: the workflow declares no '${ROTATION_ID_INPUT}' input; add it (see the README) so concurrent runs can be told apart.`
          )
        }
        const entry: Waiting = {
          planned,
          since,
          inputsAccepted: dispatched.inputsAccepted,
          done: false
        }
        if (dispatched.run) {
          entry.runId = dispatched.run.id
          planned.record.url = dispatched.run.url
        }
        waiting.push(entry)
        log.info(
          `Dispatched ${planned.record.name}${dispatched.run ? `: ${dispatched.run.url}` : ''}.`
        )
      } catch (error) {
        planned.record.result = 'failed'
        planned.record.detail = 'dispatch failed'
        throw explainGitHub(
          'smoke',
          error,
          `Dispatching ${planned.record.name}`,
          '"Actions: Read and write"'
        )
      }
    }

    let pause = FIRST_POLL_MS
    while (waiting.some((entry) => !entry.done)) {
      for (const entry of waiting.filter((candidate) => !candidate.done)) {
        const { owner, repo, ref, record } = entry.planned
        if (entry.runId === undefined) {
          const found = await this.findOurRun(entry.planned, entry.since, entry.inputsAccepted)
          if (found === 'ambiguous') continue
          if (found === undefined) {
            if (clock.now().getTime() - started > FIND_RUN_PATIENCE_MS && entry.inputsAccepted) {
              const other = await workflows.listRuns(
                owner,
                repo,
                workflow,
                branchOf(ref),
                entry.since
              )
              if (other.length > 0) {
                record.result = 'failed'
                record.detail = `no run titled with rotation id ${this.settings.rotationId}`
                throw new ActionError(
                  'smoke',
                  `${record.name}: runs of the workflow started, but none carries rotation id ${this.settings.rotationId} in its title, so ours cannot be told from others.`,
                  `Add "run-name: AWS smoke \${{ inputs.${ROTATION_ID_INPUT} }}" to the workflow (see the README).`
                )
              }
            }
            continue
          }
          entry.runId = found.id
          record.url = found.url
          log.info(`${record.name}: run ${found.url}.`)
        }
        const run = await workflows.getRun(owner, repo, entry.runId)
        record.url = run.url
        if (run.status !== 'completed') continue
        entry.done = true
        if (run.conclusion === 'success') {
          record.result = 'passed'
          record.detail = 'success'
          log.info(`${record.name}: passed (${run.url}).`)
          continue
        }
        record.result = 'failed'
        record.detail = `concluded ${run.conclusion ?? 'without conclusion'}`
        throw new ActionError(
          'smoke',
          `Smoke workflow ${record.name} concluded ${run.conclusion ?? 'without conclusion'}: ${run.url}`,
          'Open the run to see why the stored secrets did not work; the old key was kept.'
        )
      }
      if (!waiting.some((entry) => !entry.done)) break
      const now = clock.now().getTime()
      if (now + pause > deadline) {
        const late = waiting.filter((entry) => !entry.done).map((entry) => entry.planned.record)
        for (const record of late) {
          record.result = 'timed-out'
          record.detail = `not finished after ${this.settings.timeoutSeconds} s`
        }
        throw new ActionError(
          'smoke',
          `Smoke workflow ${late.map((record) => `${record.name}${record.url ? ` (${record.url})` : ''}`).join(', ')} did not finish within ${this.settings.timeoutSeconds} s.`,
          'Raise smoke-timeout-seconds if the workflow is slow (queued runners count too); the old key was kept.'
        )
      }
      await clock.sleep(pause)
      pause = Math.min(Math.round(pause * 1.5), MAX_POLL_MS)
    }
  }

  /** Our run among those created since the dispatch: the one titled with our rotation id. */
  private async findOurRun(
    planned: PlannedWorkflow,
    since: Date,
    inputsAccepted: boolean
  ): Promise<{ id: number; url: string } | 'ambiguous' | undefined> {
    const workflow = this.settings.workflow ?? ''
    const runs = await this.deps.workflows.listRuns(
      planned.owner,
      planned.repo,
      workflow,
      branchOf(planned.ref),
      since
    )
    if (inputsAccepted) {
      const ours = runs.filter((run) => run.title.includes(this.settings.rotationId))
      return ours.length === 1 && ours[0] ? { id: ours[0].id, url: ours[0].url } : undefined
    }
    // Without the input nothing marks our run: accept it only when it is the one run since the dispatch.
    if (runs.length > 1) return 'ambiguous'
    return runs[0] ? { id: runs[0].id, url: runs[0].url } : undefined
  }
}

function branchOf(ref: string): string {
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref
}

/** The command as shown in reports: its first line, shortened. */
function commandName(command: string): string {
  const first = command.trim().split('\n')[0] ?? ''
  return first.length > 80 ? `${first.slice(0, 77)}...` : first
}
