/**
 * Runs the bundled action (`dist/index.js`) the way the GitHub runner does: a fresh Node process,
 * inputs as `INPUT_*` variables with action.yml's defaults, the runner's file commands
 * (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_ENV, GITHUB_STATE) and RUNNER_TEMP, against the
 * local fakes. Shared by the process-level tests and the demo.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const ACTION_ENTRY = join(ROOT, 'dist', 'index.js')

export interface AwsCredentialsEnv {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

export interface RunActionOptions {
  /** The script to run, as the runner runs `runs.main`; dist/index.js unless given. */
  readonly entry?: string
  /** Inputs by their action.yml names; unset inputs get action.yml's defaults. */
  readonly inputs?: Record<string, string>
  /** The AWS credentials the job has (as configure-aws-credentials would export them). */
  readonly aws?: AwsCredentialsEnv
  readonly awsEndpoint: string
  readonly githubApiUrl: string
  readonly repository?: string
  /** Extra or overriding environment variables. */
  readonly env?: Record<string, string>
  /** Kill the process after this long (SIGKILL). */
  readonly timeoutMs?: number
  /** Called with each chunk of stdout as it arrives (the demo prints the log). */
  readonly onStdout?: (chunk: string) => void
  /** Called once the process runs, with a function that SIGKILLs it (the fault tests' crash). */
  readonly onSpawn?: (kill: () => void) => void
}

export interface ActionRun {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly outputs: Record<string, string>
  readonly outputFile: string
  readonly summary: string
  readonly exportedEnv: string
  readonly evidenceText: string
  readonly evidence: Record<string, unknown> | undefined
  readonly durationMs: number
}

interface ActionMetadata {
  inputs: Record<string, { default?: string }>
}

let metadata: ActionMetadata | undefined

async function actionMetadata(): Promise<ActionMetadata> {
  metadata ??= parse(await readFile(join(ROOT, 'action.yml'), 'utf8')) as ActionMetadata
  return metadata
}

/** The runner evaluates `${{ github.* }}` in input defaults; these are the ones action.yml uses. */
function evaluateDefault(value: string, context: Record<string, string>): string {
  return value.replace(/\$\{\{\s*github\.(\w+)\s*\}\}/g, (_, name: string) => context[name] ?? '')
}

/** Parses the runner's `name<<DELIMITER … DELIMITER` file-command format. */
export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {}
  const lines = text.split('\n')
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? ''
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name = '', delimiter = ''] = heredoc
      const body: string[] = []
      for (index += 1; index < lines.length && lines[index] !== delimiter; index += 1) {
        body.push(lines[index] ?? '')
      }
      values[name] = body.join('\n')
    } else if (line.includes('=')) {
      const at = line.indexOf('=')
      values[line.slice(0, at)] = line.slice(at + 1)
    }
  }
  return values
}

export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const work = await mkdtemp(join(tmpdir(), 'rotate-run-'))
  try {
    const files = {
      output: join(work, 'output'),
      summary: join(work, 'summary.md'),
      env: join(work, 'env'),
      state: join(work, 'state'),
      path: join(work, 'path')
    }
    await Promise.all(Object.values(files).map((file) => writeFile(file, '')))
    const repository = options.repository ?? 'acme/web'
    const context = { repository, api_url: options.githubApiUrl }
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: work,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: repository,
      GITHUB_REPOSITORY_OWNER: repository.split('/')[0] ?? '',
      GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_API_URL: options.githubApiUrl,
      GITHUB_RUN_ID: '4242',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_ACTOR: 'octocat',
      GITHUB_WORKFLOW: 'Rotate AWS key',
      GITHUB_JOB: 'rotate',
      GITHUB_EVENT_NAME: 'schedule',
      GITHUB_SHA: 'ffac537e6cbbf934b08745a378932722df287a53',
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_ENV: files.env,
      GITHUB_STATE: files.state,
      GITHUB_PATH: files.path,
      RUNNER_TEMP: work,
      RUNNER_OS: 'Linux',
      // Keep the SDK away from this machine's own AWS configuration.
      AWS_CONFIG_FILE: join(work, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL: options.awsEndpoint
    }
    if (options.aws) {
      env.AWS_ACCESS_KEY_ID = options.aws.accessKeyId
      env.AWS_SECRET_ACCESS_KEY = options.aws.secretAccessKey
      if (options.aws.sessionToken) env.AWS_SESSION_TOKEN = options.aws.sessionToken
    }
    for (const [name, input] of Object.entries((await actionMetadata()).inputs)) {
      const value = options.inputs?.[name] ?? evaluateDefault(input.default ?? '', context)
      env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
    }
    for (const name of Object.keys(options.inputs ?? {})) {
      if (!(name in (await actionMetadata()).inputs))
        throw new Error(`action.yml has no input ${name}`)
    }
    Object.assign(env, options.env)

    const started = Date.now()
    const child = spawn(process.execPath, [options.entry ?? ACTION_ENTRY], {
      env,
      cwd: work,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    options.onSpawn?.(() => child.kill('SIGKILL'))
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      options.onStdout?.(chunk)
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = options.timeoutMs
      ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
      : undefined
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) =>
      child.on('close', (exitCode, exitSignal) => done([exitCode, exitSignal]))
    )
    if (timer) clearTimeout(timer)
    const durationMs = Date.now() - started

    const read = (file: string): Promise<string> => readFile(file, 'utf8').catch(() => '')
    const outputText = await read(files.output)
    const evidenceText = await read(join(work, 'aws-key-rotation-evidence.json'))
    let evidence: Record<string, unknown> | undefined
    try {
      evidence = evidenceText ? (JSON.parse(evidenceText) as Record<string, unknown>) : undefined
    } catch {
      evidence = undefined
    }
    return {
      code,
      signal,
      stdout,
      stderr,
      outputs: parseFileCommands(outputText),
      outputFile: outputText,
      summary: await read(files.summary),
      exportedEnv: await read(files.env),
      evidenceText,
      evidence,
      durationMs
    }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

/**
 * Every place a secret could leak to: stdout (except the `::add-mask::` commands that register
 * it), stderr, the summary, the outputs, exported variables and the evidence file.
 */
export function findLeaks(run: ActionRun, secrets: readonly string[]): string[] {
  const channels: Record<string, string> = {
    stdout: run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n'),
    stderr: run.stderr,
    summary: run.summary,
    outputs: run.outputFile,
    'exported env': run.exportedEnv,
    evidence: run.evidenceText
  }
  const leaks: string[] = []
  for (const secret of new Set(secrets)) {
    if (secret.length < 8) continue
    for (const [channel, text] of Object.entries(channels)) {
      if (text.includes(secret))
        leaks.push(`${channel} contains ${secret.slice(0, 4)}… (${secret.length} chars)`)
    }
  }
  return leaks
}
