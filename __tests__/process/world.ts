/** Both fakes plus the runner, with the checks every process-level test shares. */
import { expect } from 'vitest'
import { FakeAws, type FakeAwsOptions, type FakeKey } from '../../sandbox/aws-fake.js'
import { FakeGitHub, type FakeGitHubOptions, type TokenSpec } from '../../sandbox/github-fake.js'
import {
  findLeaks,
  runAction,
  type ActionRun,
  type RunActionOptions
} from '../../sandbox/runner.js'

export const ID = 'AWS_ACCESS_KEY_ID'
export const SECRET = 'AWS_SECRET_ACCESS_KEY'
export const TOKEN = 'github_pat_fake_0123456789abcdefghij'

export interface World {
  readonly aws: FakeAws
  readonly github: FakeGitHub
  /** Every run of this world, for the leak check. */
  readonly runs: ActionRun[]
  /** SIGKILLs the action process that is running now (a fault's crash). */
  kill(): void
  /** As if `ms` passed: every time both fakes recorded moves into the past. */
  timeTravel(ms: number): void
  /** What a self-rotating job gets as AWS credentials: the secrets of `scope` when it is queued. */
  jobCredentials(scope: string): { accessKeyId: string; secretAccessKey: string }
  run(
    options: Omit<RunActionOptions, 'awsEndpoint' | 'githubApiUrl'> & { githubApiUrl?: string }
  ): Promise<ActionRun>
  /** Writes a key into a target's two secrets, as an earlier rotation (or a person) did a day ago. */
  seed(scope: string, key: Pick<FakeKey, 'accessKeyId' | 'secretAccessKey'>): void
  /** Each target holds an ID and secret pair that authenticates right now. */
  expectWorkingKeys(scopes: readonly string[]): void
  /** No secret or full key ID the fake ever issued, nor the token, appears in any run's output. */
  expectNoLeaks(): void
  close(): Promise<void>
}

export interface WorldOptions {
  readonly aws?: FakeAwsOptions
  readonly github?: FakeGitHubOptions
  readonly token?: TokenSpec
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const aws = await FakeAws.start(options.aws)
  const github = await FakeGitHub.start(options.github)
  github.addToken(
    TOKEN,
    options.token ?? {
      kind: 'pat-fine-grained',
      permissions: { secrets: 'write', environments: 'write', actions: 'write' }
    }
  )
  const runs: ActionRun[] = []
  const tokens = [TOKEN]
  let killCurrent: (() => void) | undefined
  return {
    aws,
    github,
    runs,
    kill() {
      killCurrent?.()
    },
    timeTravel(ms) {
      aws.timeTravel(ms)
      github.timeTravel(ms)
    },
    jobCredentials(scope) {
      return {
        accessKeyId: github.secret(scope, ID)?.value ?? '',
        secretAccessKey: github.secret(scope, SECRET)?.value ?? ''
      }
    },
    async run(run) {
      const result = await runAction({
        awsEndpoint: aws.endpoint,
        githubApiUrl: github.url,
        onSpawn: (kill) => (killCurrent = kill),
        ...run
      })
      killCurrent = undefined
      runs.push(result)
      return result
    },
    seed(scope, key) {
      github.setSecret(scope, ID, key.accessKeyId)
      github.setSecret(scope, SECRET, key.secretAccessKey)
      // As written by an earlier rotation, not in the same second as this run's writes.
      github.timeTravel(86_400_000)
    },
    expectWorkingKeys(scopes) {
      for (const scope of scopes) {
        const id = github.secret(scope, ID)?.value ?? ''
        const secret = github.secret(scope, SECRET)?.value ?? ''
        expect(
          aws.authenticates(id, secret, 'sts'),
          `${scope} holds a working key (${id.slice(0, 4)}…)`
        ).toBe(true)
      }
    },
    expectNoLeaks() {
      const keyIds = aws.requests.flatMap((request) => [
        request.accessKeyId ?? '',
        request.params.AccessKeyId ?? ''
      ])
      const issuedIds = [...new Set(keyIds)].filter((id) => id !== '' && aws.findKey(id))
      const secrets = [...aws.issuedSecrets(), ...tokens, ...issuedIds]
      for (const run of runs) expect(findLeaks(run, secrets)).toEqual([])
    },
    async close() {
      await Promise.all([aws.close(), github.close()])
    }
  }
}
