/**
 * The demo's world, shared by `npm run demo` and `npm run local-action`: IAM user
 * `ci/deployer` with one 97-day-old key (over the 90-day limit) that `acme/web`'s repository and
 * `production` environment secrets hold, a GitHub App token that may write them, and the smoke
 * workflow `aws-smoke.yml`.
 */
import { FakeAws, type FakeKey } from './aws-fake.js'
import { FakeGitHub } from './github-fake.js'
import { stsSmokeWorkflow } from './smoke-workflow.js'

export const DEMO_TOKEN = 'github_pat_demo_token_0123456789'
export const DEMO_TARGETS = ['repo:acme/web', 'env:acme/web/production'] as const
export const DEMO_USER = 'deployer'
export const DEMO_PROPAGATION_MS = 2_000

export interface DemoScenario {
  readonly aws: FakeAws
  readonly github: FakeGitHub
  /** The key the pipeline holds before the run (and the job runs with). */
  readonly old: FakeKey
  /** The old key first, then every key the run created. */
  keys(): FakeKey[]
  /** Each target holds an ID and secret pair that authenticates right now. */
  targetsWork(): boolean
  /** What a finished rotation looks like from outside: new key everywhere, old key deleted. */
  problems(): string[]
  close(): Promise<void>
}

export async function startDemoScenario(): Promise<DemoScenario> {
  const aws = await FakeAws.start({ propagationDelayMs: DEMO_PROPAGATION_MS })
  const github = await FakeGitHub.start()
  aws.addUser(DEMO_USER, { path: '/ci/' })
  const old = aws.addKey(DEMO_USER, {
    ageDays: 97,
    lastUsed: { date: new Date(Date.now() - 3_600_000), service: 's3', region: 'eu-west-1' }
  })
  github.addToken(DEMO_TOKEN, {
    kind: 'app',
    permissions: { secrets: 'write', environments: 'write', actions: 'write' }
  })
  github.addRepo('acme/web', { environments: ['production'], workflows: [stsSmokeWorkflow(aws)] })
  for (const scope of DEMO_TARGETS) {
    github.setSecret(scope, 'AWS_ACCESS_KEY_ID', old.accessKeyId)
    github.setSecret(scope, 'AWS_SECRET_ACCESS_KEY', old.secretAccessKey)
  }

  const targetsWork = (): boolean =>
    DEMO_TARGETS.every((scope) =>
      aws.authenticates(
        github.secret(scope, 'AWS_ACCESS_KEY_ID')?.value ?? '',
        github.secret(scope, 'AWS_SECRET_ACCESS_KEY')?.value ?? '',
        'sts'
      )
    )

  return {
    aws,
    github,
    old,
    keys: () => [old, ...aws.keys(DEMO_USER).filter((key) => key.accessKeyId !== old.accessKeyId)],
    targetsWork,
    problems() {
      const problems: string[] = []
      const fresh = aws.keys(DEMO_USER).filter((key) => key.accessKeyId !== old.accessKeyId)
      if (fresh.length !== 1) problems.push(`expected 1 new key, found ${fresh.length}`)
      if (!aws.findKey(old.accessKeyId)?.deleted) problems.push('the old key was not deleted')
      for (const scope of DEMO_TARGETS) {
        const held = github.secret(scope, 'AWS_ACCESS_KEY_ID')?.value
        if (held === undefined || held !== fresh[0]?.accessKeyId)
          problems.push(`${scope} does not hold the new key`)
      }
      if (!targetsWork()) problems.push('a target holds a key that does not authenticate')
      return problems
    },
    close: () => Promise.all([aws.close(), github.close()]).then(() => undefined)
  }
}
