/**
 * `npm run local-action`: the demo rotation through `@github/local-action`, which stubs
 * `@actions/core` and `@actions/github`, loads inputs from a dotenv file and runs `run()` from
 * `src/main.ts` under tsx (no bundle). Everything else in the action is real, so it talks to the
 * sandbox fakes through GITHUB_API_URL and AWS_ENDPOINT_URL.
 *
 * Starts the fakes, writes a temporary dotenv pointing at them (see `.env.example` for each
 * variable), runs `local-action . src/main.ts <dotenv>`, then checks from the fakes' side that the
 * rotation happened. local-action's `setFailed` does not set an exit code, so that check is what
 * makes the command fail.
 *
 *   npm run local-action              through @github/local-action
 *   npm run local-action -- --tsx     fallback: `tsx src/index.ts` with the same variables and the
 *                                     real @actions/core (the runner's file commands in a temp dir)
 *   npm run local-action -- --keep    keep the temporary folder (dotenv, summary, evidence)
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { localRunVariables, runnerInputDefaults, toDotenv } from './local-env.js'
import { ROOT } from './runner.js'
import { DEMO_TARGETS, startDemoScenario } from './scenario.js'

function bin(name: string): string {
  return join(ROOT, 'node_modules', '.bin', name)
}

async function runCommand(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv
): Promise<number> {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: 'inherit' })
  return new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)))
}

async function main(): Promise<number> {
  const direct = process.argv.includes('--tsx')
  const keep = process.argv.includes('--keep')
  if (!direct && !existsSync(bin('local-action'))) {
    console.error('@github/local-action is not installed: run `npm ci` (or use --tsx).')
    return 1
  }
  const scenario = await startDemoScenario()
  const work = await mkdtemp(join(tmpdir(), 'rotate-local-action-'))
  try {
    const variables = localRunVariables({
      work,
      awsEndpoint: scenario.aws.endpoint,
      githubApiUrl: scenario.github.url,
      accessKeyId: scenario.old.accessKeyId,
      secretAccessKey: scenario.old.secretAccessKey
    })
    const dotenv = join(work, '.env')
    await writeFile(dotenv, toDotenv(variables), { mode: 0o600 })
    await writeFile(variables.GITHUB_STEP_SUMMARY as string, '')

    // local-action builds its Octokit defaults (the API base URL) when it starts, before it loads
    // the dotenv, so the endpoints are passed in the environment too. The process gets nothing
    // else of this shell's AWS or GitHub settings.
    const env: NodeJS.ProcessEnv = { ...process.env }
    for (const name of Object.keys(env))
      if (/^(AWS_|GITHUB_|INPUT_|ACTIONS_|RUNNER_)/.test(name)) delete env[name]
    env.GITHUB_API_URL = variables.GITHUB_API_URL
    env.AWS_ENDPOINT_URL = variables.AWS_ENDPOINT_URL

    console.log(
      `Sandbox: fake GitHub ${scenario.github.url}, fake IAM/STS ${scenario.aws.endpoint}`
    )
    console.log(`Dotenv:  ${dotenv}`)
    let code: number
    if (direct) {
      console.log('Running src/index.ts with tsx (fallback, real @actions/core)\n')
      const files = { GITHUB_OUTPUT: 'output', GITHUB_ENV: 'env', GITHUB_STATE: 'state' }
      for (const [name, file] of Object.entries(files)) {
        env[name] = join(work, file)
        await writeFile(join(work, file), '')
      }
      const defaults = await runnerInputDefaults(variables.GITHUB_REPOSITORY as string)
      code = await runCommand(bin('tsx'), ['src/index.ts'], { ...env, ...defaults, ...variables })
    } else {
      console.log('Running: local-action . src/main.ts <dotenv>\n')
      code = await runCommand(bin('local-action'), ['.', 'src/main.ts', dotenv], env)
    }

    const problems = scenario.problems()
    const summary = await readFile(variables.GITHUB_STEP_SUMMARY as string, 'utf8')
    if (!summary.includes('<table')) problems.push('the job summary has no table')
    const evidenceText = await readFile(join(work, 'aws-key-rotation-evidence.json'), 'utf8').catch(
      () => ''
    )
    const outcome = evidenceText ? (JSON.parse(evidenceText) as { outcome?: string }).outcome : ''
    if (outcome !== 'rotated') problems.push(`evidence outcome is '${outcome || 'missing'}'`)
    if (code !== 0) problems.push(`the run exited with ${code}`)
    for (const secret of scenario.aws.issuedSecrets())
      if (summary.includes(secret) || evidenceText.includes(secret))
        problems.push('a secret access key appears in the summary or evidence')

    if (problems.length > 0) {
      console.error(`\nLocal run FAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
      return 1
    }
    const fresh = scenario.keys()[1]
    console.log(
      `\nLocal run finished: ${scenario.old.accessKeyId.slice(0, 4)}…${scenario.old.accessKeyId.slice(-4)} deleted, ` +
        `${fresh?.accessKeyId.slice(0, 4)}…${fresh?.accessKeyId.slice(-4)} in ${DEMO_TARGETS.join(' and ')}, ` +
        `summary ${summary.length} bytes, evidence outcome '${outcome}'.`
    )
    return 0
  } finally {
    await scenario.close()
    if (keep) console.log(`Kept ${work}`)
    else await rm(work, { recursive: true, force: true })
  }
}

process.exitCode = await main()
