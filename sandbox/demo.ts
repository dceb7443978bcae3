/**
 * `npm run demo`: a full rotation on the local sandbox, no AWS account or GitHub needed.
 * Starts the IAM/STS and GitHub fakes on 127.0.0.1, runs the bundled action exactly as the runner
 * would, and prints the job summary and the keys before and after.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FakeAws, FakeKey } from './aws-fake.js'
import type { FakeGitHub } from './github-fake.js'
import { ROOT, runAction } from './runner.js'
import {
  DEMO_PROPAGATION_MS as PROPAGATION_MS,
  DEMO_TARGETS as TARGETS,
  DEMO_TOKEN as TOKEN,
  startDemoScenario
} from './scenario.js'
import { SMOKE_FILE } from './smoke-workflow.js'
import { summaryToText } from './text-render.js'

function redact(id: string): string {
  return `${id.slice(0, 4)}…${id.slice(-4)}`
}

function ageDays(date: Date): number {
  return Math.floor((Date.now() - date.getTime()) / 86_400_000)
}

function printKeys(title: string, aws: FakeAws, github: FakeGitHub, keys: FakeKey[]): void {
  console.log(`\n${title}`)
  console.log('  Key             │ Status   │ Age (days) │ Stored in')
  console.log('  ────────────────┼──────────┼────────────┼──────────────────────────────')
  for (const key of keys) {
    const holders = TARGETS.filter(
      (scope) => github.secret(scope, 'AWS_ACCESS_KEY_ID')?.value === key.accessKeyId
    )
    const status = key.deleted ? 'Deleted' : key.status
    console.log(
      `  ${redact(key.accessKeyId).padEnd(15)} │ ${status.padEnd(8)} │ ${String(ageDays(key.createDate)).padStart(10)} │ ${holders.join(', ') || '-'}`
    )
  }
  for (const scope of TARGETS) {
    const id = github.secret(scope, 'AWS_ACCESS_KEY_ID')?.value ?? ''
    const secret = github.secret(scope, 'AWS_SECRET_ACCESS_KEY')?.value ?? ''
    const works = aws.authenticates(id, secret, 'sts')
    console.log(
      `  ${scope}: holds ${redact(id)}, ${works ? 'authenticates ✓' : 'DOES NOT authenticate ✗'}`
    )
  }
}

/** The runner's log, with workflow commands shown the way the Actions UI shows them. */
function showLog(chunk: string): void {
  for (const line of chunk.split('\n')) {
    if (line === '' || line.startsWith('::add-mask::') || line === '::endgroup::') continue
    const group = /^::group::(.*)$/.exec(line)
    const annotation = /^::(notice|warning|error)[^:]*::(.*)$/.exec(line)
    if (group) console.log(`  ▸ ${group[1]}`)
    else if (annotation)
      console.log(
        `  [${annotation[1]}] ${decodeURIComponent(annotation[2] ?? '').replace(/%0A/g, ' ')}`
      )
    else console.log(`      ${line}`)
  }
}

async function main(): Promise<number> {
  const htmlOut = process.argv.find((arg) => arg.startsWith('--html='))?.slice('--html='.length)
  const scenario = await startDemoScenario()
  const { aws, github, old } = scenario
  try {
    console.log('Rotate AWS access key: local sandbox demo')
    console.log(
      `  fake IAM/STS  ${aws.endpoint}   (new keys rejected for ${PROPAGATION_MS / 1000} s, like IAM)`
    )
    console.log(
      `  fake GitHub   ${github.url}   (runs ${SMOKE_FILE}: reads the stored secrets, calls STS)`
    )
    console.log(
      `  IAM user      arn:aws:iam::${aws.accountId}:user/ci/deployer, one key 97 days old (over the 90-day limit)`
    )
    printKeys('Before', aws, github, [old])

    console.log('\nRunning dist/index.js as the runner would (the job runs with the old key):')
    const run = await runAction({
      awsEndpoint: aws.endpoint,
      githubApiUrl: github.url,
      aws: { accessKeyId: old.accessKeyId, secretAccessKey: old.secretAccessKey },
      inputs: {
        'github-token': TOKEN,
        targets: TARGETS.join('\n'),
        'smoke-command': `node ${join(ROOT, 'sandbox', 'whoami.mjs')}`,
        'smoke-workflow': SMOKE_FILE
      },
      onStdout: showLog
    })
    if (run.stderr) console.error(run.stderr)

    console.log('\nJob summary')
    console.log(summaryToText(run.summary))
    if (htmlOut) {
      await writeFile(htmlOut, run.summary)
      console.log(`\n(summary HTML written to ${htmlOut})`)
    }

    printKeys('After', aws, github, scenario.keys())
    console.log(`\nOutputs: ${JSON.stringify(run.outputs, null, 2).replace(/\n/g, '\n  ')}`)

    const ok = run.code === 0 && scenario.targetsWork() && old.deleted
    console.log(
      ok ? '\nDemo finished: key rotated, every target works, old key deleted.' : '\nDemo FAILED.'
    )
    return ok ? 0 : 1
  } finally {
    await scenario.close()
  }
}

process.exitCode = await main()
