/**
 * GitHub's secondary rate limit, process level: a 403 with retry-after is waited out and retried,
 * never surfaced; and the pacing keeps writes under the limit so that it is rarely met at all.
 */
import { describe, expect, it } from 'vitest'
import { startWorld, TOKEN } from './world.js'

const TARGETS = ['repo:acme/a', 'repo:acme/b', 'repo:acme/c', 'repo:acme/d']

async function fourTargets(limit: { limit: number; windowMs: number; retryAfterSeconds: number }) {
  const world = await startWorld({ github: { secondaryWriteLimit: limit } })
  world.aws.addUser('deployer')
  for (const target of TARGETS) world.github.addRepo(target.slice('repo:'.length))
  const role = world.aws.addRoleSession('rotator')
  world.aws.addKey('deployer', { ageDays: 40 })
  return { world, role }
}

describe('secondary rate limit (process level)', () => {
  it('waits out 403 + retry-after and writes every target, with nothing surfaced', async () => {
    const { world, role } = await fourTargets({ limit: 3, windowMs: 2_000, retryAfterSeconds: 1 })
    try {
      const run = await world.run({
        inputs: {
          'github-token': TOKEN,
          targets: TARGETS.join('\n'),
          'iam-user-name': 'deployer',
          // Unpaced, so the fake's limit is met and answered with 403s.
          'github-writes-per-minute': '0'
        },
        aws: role
      })
      expect(run.code).toBe(0)
      const limited = world.github.requests.filter((request) => request.status === 403)
      expect(limited.length).toBeGreaterThan(0)
      world.expectWorkingKeys(TARGETS)
      expect(run.stdout).not.toMatch(/::(error|warning)/)
      world.expectNoLeaks()
    } finally {
      await world.close()
    }
  })

  it('paces writes under the limit so that none is refused', async () => {
    // GitHub's 80 a minute, scaled: 6 in any 4.5 s.
    const { world, role } = await fourTargets({ limit: 6, windowMs: 4_500, retryAfterSeconds: 1 })
    try {
      const run = await world.run({
        inputs: {
          'github-token': TOKEN,
          targets: TARGETS.join('\n'),
          'iam-user-name': 'deployer',
          // 80 a minute: a target's two writes every ~1.55 s.
          'github-writes-per-minute': '80'
        },
        aws: role
      })
      expect(run.code).toBe(0)
      expect(world.github.requests.filter((request) => request.status === 403)).toEqual([])
      world.expectWorkingKeys(TARGETS)
    } finally {
      await world.close()
    }
  })
})
