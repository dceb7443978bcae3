/**
 * Every input, read and validated in one place into one readonly object. All problems are
 * reported together, each naming the input and the fix, before anything is changed.
 */
import { GIT_REF, IAM_USER_NAME, REPOSITORY, SECRET_NAME, WORKFLOW_FILE } from './patterns.js'
import { parseTargets, targetRepository, type Target } from './targets.js'

export type Mode = 'rotate' | 'audit'

export interface Inputs {
  readonly mode: Mode
  readonly githubToken: string
  readonly iamUserName?: string
  readonly targets: readonly Target[]
  readonly secretNames: { readonly accessKeyId: string; readonly secretAccessKey: string }
  readonly rotateAfterDays: number
  readonly maxKeyAgeDays: number
  readonly force: boolean
  readonly deleteAfterDays: number
  readonly propagationTimeoutSeconds: number
  readonly dryRun: boolean
  readonly awsRegion: string
  readonly requestTimeoutSeconds: number
  /** Pace of secret writes and dispatches (GitHub's secondary limit); 0: unpaced. */
  readonly githubWritesPerMinute: number
  readonly smoke: SmokeInputs
  /** The exceptions input as written: a path relative to GITHUB_WORKSPACE, or absolute. */
  readonly exceptions?: string
  /** The fleet file input as written: a path relative to GITHUB_WORKSPACE, or absolute. */
  readonly config?: string
}

export interface SmokeInputs {
  readonly command?: string
  readonly workflow?: string
  /** Where the workflow is dispatched: smoke-repository, or the repositories of repo:/env: targets. */
  readonly repositories: readonly string[]
  /** smoke-repository as written (a fleet user's targets replace the default otherwise). */
  readonly explicitRepositories: readonly string[]
  readonly ref?: string
  readonly timeoutSeconds: number
}

export class InputError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'))
    this.name = 'InputError'
  }
}

/** Reads an input the way @actions/core does: `INPUT_<NAME>` with the name upper-cased. */
export type InputReader = (name: string) => string

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/
/** Inputs of the SPEC whose feature is not in this version yet: refuse rather than ignore them. */
/** iam-user-name in audit mode: every IAM user of the account. */
export const ALL_USERS = '*'

export function readInputs(read: InputReader): Inputs {
  const problems: string[] = []
  const text = (name: string): string => read(name).trim()

  const modeText = text('mode') || 'rotate'
  if (modeText !== 'rotate' && modeText !== 'audit') {
    problems.push(`mode: '${modeText}' is not a mode: use 'rotate' or 'audit'.`)
  }
  const mode: Mode = modeText === 'audit' ? 'audit' : 'rotate'
  const audit = mode === 'audit'

  // Audit reads AWS only: no GitHub token needed (one given is still masked by main).
  const githubToken = text('github-token')
  if (githubToken === '' && !audit) {
    problems.push(
      "github-token is empty: pass a token that can write secrets, for example a GitHub App token from actions/create-github-app-token (permission-secrets: write) or a fine-grained personal access token stored as a secret. The workflow's GITHUB_TOKEN cannot write secrets."
    )
  }

  const iamUserName = text('iam-user-name')
  if (iamUserName === ALL_USERS && !audit) {
    problems.push(
      `iam-user-name: '${ALL_USERS}' (every IAM user) is for mode: audit; rotate mode needs the name of one IAM user.`
    )
  } else if (iamUserName !== '' && iamUserName !== ALL_USERS && !IAM_USER_NAME.test(iamUserName)) {
    problems.push(
      `iam-user-name: '${iamUserName}' is not an IAM user name: use 1-128 letters, digits and + = , . @ _ -${audit ? `, or '${ALL_USERS}' for every IAM user` : ''}.`
    )
  }

  // Audit ignores targets and smoke checks: nothing is stored or dispatched.
  const parsed = audit ? { targets: [], errors: [] } : parseTargets(read('targets'))
  problems.push(...parsed.errors)
  if (!audit && parsed.errors.length === 0 && parsed.targets.length === 0) {
    problems.push('targets is empty: list at least one target, e.g. repo:OWNER/REPO.')
  }

  const accessKeyId = secretName(
    text('access-key-id-secret-name'),
    'access-key-id-secret-name',
    problems
  )
  const secretAccessKey = secretName(
    text('secret-access-key-secret-name'),
    'secret-access-key-secret-name',
    problems
  )
  if (accessKeyId !== '' && accessKeyId.toUpperCase() === secretAccessKey.toUpperCase()) {
    problems.push(
      'access-key-id-secret-name and secret-access-key-secret-name are the same secret: give them different names.'
    )
  }

  const rotateAfterDays = wholeNumber(text('rotate-after-days'), 'rotate-after-days', 0, problems)
  const maxKeyAgeDays = wholeNumber(text('max-key-age-days'), 'max-key-age-days', 1, problems)
  const deleteAfterDays = wholeNumber(text('delete-after-days'), 'delete-after-days', 0, problems)
  const propagationTimeoutSeconds = wholeNumber(
    text('propagation-timeout-seconds'),
    'propagation-timeout-seconds',
    1,
    problems
  )
  const githubWritesPerMinute = wholeNumber(
    text('github-writes-per-minute'),
    'github-writes-per-minute',
    0,
    problems
  )
  const requestTimeoutSeconds = wholeNumber(
    text('request-timeout-seconds'),
    'request-timeout-seconds',
    1,
    problems
  )
  const force = boolean(text('force'), 'force', problems)
  const dryRun = boolean(text('dry-run'), 'dry-run', problems)

  const awsRegion = text('aws-region')
  if (!REGION.test(awsRegion)) {
    problems.push(
      `aws-region: '${awsRegion}' is not an AWS region: use a region code such as us-east-1.`
    )
  }

  const smoke = audit
    ? {
        repositories: [],
        explicitRepositories: [],
        timeoutSeconds: wholeNumber(
          text('smoke-timeout-seconds'),
          'smoke-timeout-seconds',
          1,
          problems
        )
      }
    : readSmoke(read, parsed.targets, problems, text('config') !== '')

  // The fleet file and the register are read (and validated) by main before any AWS call.
  const config = text('config')
  const exceptions = text('exceptions')

  if (problems.length > 0) throw new InputError(problems)
  return {
    mode,
    githubToken,
    ...(iamUserName === '' ? {} : { iamUserName }),
    targets: parsed.targets,
    secretNames: { accessKeyId, secretAccessKey },
    rotateAfterDays,
    maxKeyAgeDays,
    force,
    deleteAfterDays,
    propagationTimeoutSeconds,
    dryRun,
    awsRegion,
    requestTimeoutSeconds,
    githubWritesPerMinute,
    smoke,
    ...(exceptions === '' ? {} : { exceptions }),
    ...(config === '' ? {} : { config })
  }
}

/** The repositories a smoke workflow is dispatched in by default: those of repo: and env: targets. */
export function smokeRepositoriesOf(targets: readonly Target[]): string[] {
  return [
    ...new Set(
      targets.flatMap((target) =>
        target.kind === 'repo' || target.kind === 'env' ? [targetRepository(target) ?? ''] : []
      )
    )
  ]
}

/** With a fleet file, its users may set smoke-workflow and have their own targets: checked later. */
function readSmoke(
  read: InputReader,
  targets: readonly Target[],
  problems: string[],
  fleet: boolean
): SmokeInputs {
  const command = read('smoke-command').trim()
  const workflow = read('smoke-workflow').trim()
  const ref = read('smoke-ref').trim()
  const explicit = read('smoke-repository')
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line !== '')
  const timeoutSeconds = wholeNumber(
    read('smoke-timeout-seconds').trim(),
    'smoke-timeout-seconds',
    1,
    problems
  )

  if (workflow !== '' && !WORKFLOW_FILE.test(workflow)) {
    problems.push(
      `smoke-workflow: '${workflow}' is not a workflow file name: use the file name under .github/workflows, e.g. aws-smoke.yml.`
    )
  }
  for (const repository of explicit) {
    if (!REPOSITORY.test(repository)) {
      problems.push(
        `smoke-repository: '${repository}' is not a repository: write OWNER/REPO, one a line.`
      )
    }
  }
  if (ref !== '' && !GIT_REF.test(ref)) {
    problems.push(`smoke-ref: '${ref}' is not a git ref: use a branch or tag name such as main.`)
  }
  if (!fleet && workflow === '' && (explicit.length > 0 || ref !== '')) {
    problems.push(
      'smoke-repository and smoke-ref need smoke-workflow: set smoke-workflow, or remove them.'
    )
  }
  const repositories = explicit.length > 0 ? [...new Set(explicit)] : smokeRepositoriesOf(targets)
  if (!fleet && workflow !== '' && repositories.length === 0) {
    problems.push(
      'smoke-repository is empty and no repo: or env: target names a repository to dispatch smoke-workflow in: set smoke-repository.'
    )
  }
  return {
    ...(command === '' ? {} : { command }),
    ...(workflow === '' ? {} : { workflow }),
    repositories: workflow === '' ? [] : repositories,
    explicitRepositories: [...new Set(explicit)],
    ...(ref === '' ? {} : { ref }),
    timeoutSeconds
  }
}

function secretName(value: string, input: string, problems: string[]): string {
  if (!SECRET_NAME.test(value) || /^GITHUB_/i.test(value)) {
    problems.push(
      `${input}: '${value}' is not a valid secret name: use letters, digits and _, not starting with a digit or GITHUB_.`
    )
  }
  return value
}

function wholeNumber(value: string, input: string, minimum: number, problems: string[]): number {
  if (!/^\d+$/.test(value) || Number(value) < minimum || !Number.isSafeInteger(Number(value))) {
    const unit = input.endsWith('-seconds')
      ? 'seconds'
      : input.endsWith('-per-minute')
        ? 'writes a minute'
        : 'days'
    const example = { 'max-key-age-days': 90, 'github-writes-per-minute': 80 }[input] ?? 30
    problems.push(
      `${input}: '${value}' is not a whole number of ${unit} of at least ${minimum}: write an integer such as ${Math.max(minimum, example)}.`
    )
    return 0
  }
  return Number(value)
}

/** The YAML 1.2 core schema booleans, as @actions/core's getBooleanInput accepts them. */
function boolean(value: string, input: string, problems: string[]): boolean {
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  problems.push(`${input}: '${value}' is not a boolean: write true or false.`)
  return false
}
