/**
 * GitHub's secondary rate limit, process level: a 403 with retry-after is waited out and retried,
 * never surfaced; and the pacing keeps writes under the limit so that it is rarely met at all.
 */
import { describe, expect, it } from 'vitest'
import type { ActionRun } from '../../sandbox/runner.js'
import { startWorld, TOKEN, type World } from './world.js'

const TARGETS = ['repo:acme/a', 'repo:acme/b', 'repo:acme/c', 'repo:acme/d']

/** Rotates one user's key into four repositories against a fake that enforces `limit`. */
async function rotateFour(
  limit: { limit: number; windowMs: number; retryAfterSeconds: number },
  writesPerMinute: string,
  check: (world: World, run: ActionRun) => void
): Promise<void> {
  const world = await startWorld({ github: { secondaryWriteLimit: limit } })
  try {
    world.aws.addUser('deployer')
    for (const target of TARGETS) world.github.addRepo(target.slice('repo:'.length))
    world.aws.addKey('deployer', { ageDays: 40 })
    const run = await world.run({
      inputs: {
        'github-token': TOKEN,
        targets: TARGETS.join('\n'),
        'iam-user-name': 'deployer',
        'github-writes-per-minute': writesPerMinute
      },
      aws: world.aws.addRoleSession('rotator')
    })
    expect(run.code).toBe(0)
    world.expectWorkingKeys(TARGETS)
    world.expectNoLeaks()
    check(world, run)
  } finally {
    await world.close()
  }
}

const refused = (world: World) => world.github.requests.filter((request) => request.status === 403)

describe('secondary rate limit (process level)', () => {
  it('waits out 403 + retry-after and writes every target, with nothing surfaced', async () => {
    // Unpaced, so the fake's limit is met and answered with 403s.
    await rotateFour({ limit: 3, windowMs: 2_000, retryAfterSeconds: 1 }, '0', (world, run) => {
      expect(refused(world).length).toBeGreaterThan(0)
      expect(run.stdout).not.toMatch(/::(error|warning)/)
    })
  })

  it('paces writes under the limit so that none is refused', async () => {
    // GitHub's 80 a minute, scaled: 6 in any 4.5 s; paced at 80 a minute, a target's two writes
    // go every ~1.55 s.
    await rotateFour({ limit: 6, windowMs: 4_500, retryAfterSeconds: 1 }, '80', (world) => {
      expect(refused(world)).toEqual([])
    })
  })
})
