/**
 * The variables of a local run (`npm run local-action`, see `.env.example`), as a dotenv file.
 * Kept apart from the script so tests can check `.env.example` against them.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse } from 'yaml'
import { ROOT } from './runner.js'
import { DEMO_TARGETS, DEMO_TOKEN } from './scenario.js'
import { SMOKE_FILE } from './smoke-workflow.js'

export interface DotenvContext {
  readonly work: string
  readonly awsEndpoint: string
  readonly githubApiUrl: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
}

/** The variables a local run needs, in dotenv order (inputs keep their hyphens: INPUT_GITHUB-TOKEN). */
export function localRunVariables(ctx: DotenvContext): Record<string, string> {
  return {
    // Where the action finds "GitHub" and "AWS": the sandbox fakes.
    GITHUB_API_URL: ctx.githubApiUrl,
    AWS_ENDPOINT_URL: ctx.awsEndpoint,
    // The job's AWS credentials: the pipeline's current key (self-rotation).
    AWS_ACCESS_KEY_ID: ctx.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ctx.secretAccessKey,
    AWS_REGION: 'us-east-1',
    // Keep the SDK away from this machine's own AWS configuration.
    AWS_CONFIG_FILE: join(ctx.work, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(ctx.work, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    // The runner's context.
    GITHUB_REPOSITORY: 'acme/web',
    GITHUB_REPOSITORY_OWNER: 'acme',
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'octocat',
    GITHUB_WORKFLOW: 'Rotate AWS key',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    RUNNER_TEMP: ctx.work,
    GITHUB_STEP_SUMMARY: join(ctx.work, 'summary.html'),
    ACTIONS_STEP_DEBUG: 'false',
    // Inputs, by their action.yml names; the others take action.yml's defaults.
    'INPUT_GITHUB-TOKEN': DEMO_TOKEN,
    INPUT_TARGETS: DEMO_TARGETS.join('\n'),
    'INPUT_SMOKE-COMMAND': `node ${join(ROOT, 'sandbox', 'whoami.mjs')}`,
    'INPUT_SMOKE-WORKFLOW': SMOKE_FILE
  }
}

/**
 * dotenv syntax: double quotes, `\n` for newlines (multiline inputs such as targets). dotenv has
 * no other escapes, so a value with a double quote or a backslash is refused.
 */
export function toDotenv(variables: Record<string, string>): string {
  return Object.entries(variables)
    .map(([name, value]) => {
      if (/["\\]/.test(value)) throw new Error(`${name}: dotenv cannot hold " or \\ in a value`)
      return `${name}="${value.replace(/\n/g, '\\n')}"`
    })
    .join('\n')
    .concat('\n')
}

/**
 * The runner (and local-action's getInput stub) give unset inputs action.yml's defaults; the real
 * @actions/core does not, so the fallback sets them as the runner would.
 */
export async function runnerInputDefaults(repository: string): Promise<Record<string, string>> {
  const action = parse(await readFile(join(ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>
  }
  return Object.fromEntries(
    Object.entries(action.inputs).map(([name, input]) => [
      `INPUT_${name.toUpperCase()}`,
      (input.default ?? '').replace(/\$\{\{\s*github\.repository\s*\}\}/g, repository)
    ])
  )
}
