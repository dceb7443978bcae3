/** The world both fault suites use: a self-rotating pipeline with two targets and a smoke workflow. */
import { SMOKE_FILE, stsSmokeWorkflow } from '../../sandbox/smoke-workflow.js'
import { ID, SECRET, startWorld, TOKEN, type World } from '../process/world.js'

export const REPO = 'repo:acme/web'
export const ENV = 'env:acme/web/production'
/** The workflow's own repository is written last whatever the order; listed last here too. */
export const TARGETS = [ENV, REPO]
export const HOUR = 3_600_000
export const INPUTS = {
  'github-token': TOKEN,
  targets: TARGETS.join('\n'),
  'smoke-workflow': SMOKE_FILE,
  'propagation-timeout-seconds': '5',
  'smoke-timeout-seconds': '10',
  'request-timeout-seconds': '2'
}
export { ID, SECRET, TOKEN }

export function everyTargetWorks(world: World): boolean {
  return TARGETS.every((scope) => {
    const { accessKeyId, secretAccessKey } = world.jobCredentials(scope)
    return world.aws.authenticates(accessKeyId, secretAccessKey, 'sts')
  })
}

export function converged(world: World): boolean {
  const active = world.aws.keys('deployer').filter((key) => key.status === 'Active')
  if (active.length !== 1) return false
  const [key] = active
  return (
    TARGETS.every((scope) => world.jobCredentials(scope).accessKeyId === key?.accessKeyId) &&
    everyTargetWorks(world)
  )
}

export async function setupWorld(): Promise<{ world: World; oldKeyId: string }> {
  // GitHub answers in tens of milliseconds, not instantly: with that, a target's two secrets are
  // both on the wire before either answer comes back (see writePair in src/rotation/rotate.ts).
  const world = await startWorld({ aws: { propagationDelayMs: 300 }, github: { latencyMs: 50 } })
  world.aws.addUser('deployer', { path: '/ci/' })
  world.github.addRepo('acme/web', {
    environments: ['production'],
    workflows: [stsSmokeWorkflow(world.aws)]
  })
  const old = world.aws.addKey('deployer', { ageDays: 45 })
  for (const scope of TARGETS) world.seed(scope, old)
  return { world, oldKeyId: old.accessKeyId }
}

export function secretsOf(world: World): string[] {
  const ids = world.aws.requests.flatMap((request) => [
    request.accessKeyId ?? '',
    request.params.AccessKeyId ?? ''
  ])
  return [
    ...world.aws.issuedSecrets(),
    TOKEN,
    ...new Set(ids.filter((id) => id.startsWith('AKIA')))
  ]
}

/** Runs `jobs` with at most `limit` at a time. */
export async function pool<T>(jobs: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length)
  let next = 0
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < jobs.length) {
        const index = next++
        results[index] = await (jobs[index] as () => Promise<T>)()
      }
    })
  )
  return results
}
