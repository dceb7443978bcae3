/**
 * Two runs for the same IAM user started at the same moment (a concurrency group forgotten, a
 * schedule plus a manual run): no target may lose a working key, at most one rotation happens,
 * and the run that loses says why. 20 repetitions.
 */
import { describe, expect, it } from 'vitest'
import { findLeaks } from '../../sandbox/runner.js'
import {
  converged,
  everyTargetWorks,
  HOUR,
  INPUTS,
  pool,
  REPO,
  secretsOf,
  setupWorld
} from './scenario.js'

const REPETITIONS = 20

interface Repetition {
  readonly lockout: boolean
  readonly rotations: number
  readonly exits: readonly (number | null)[]
  readonly explained: boolean
  readonly converged: boolean
  readonly leaks: number
}

async function race(): Promise<Repetition> {
  const { world, oldKeyId } = await setupWorld()
  try {
    // Both jobs are queued now, so both read the old key from the repository's secrets.
    const credentials = world.jobCredentials(REPO)
    const runs = await Promise.all([
      world.run({ inputs: INPUTS, aws: credentials }),
      world.run({ inputs: INPUTS, aws: credentials })
    ])
    const lockout = !everyTargetWorks(world)
    const rotations = world.aws.requests.filter(
      (request) =>
        request.action === 'UpdateAccessKey' &&
        request.params.AccessKeyId === oldKeyId &&
        request.status === 200
    ).length
    const created = world.aws.requests.filter(
      (request) => request.action === 'CreateAccessKey' && request.status === 200
    ).length
    const losers = runs.filter((run) => run.code !== 0)
    const explained = losers.every((run) =>
      /concurrency group|another rotation|run again/i.test(run.stdout)
    )
    let done = converged(world)
    if (!done) {
      // A run that lost the race left nothing to clean up; one more run an hour later finishes.
      world.timeTravel(HOUR)
      await world.run({ inputs: INPUTS, aws: world.jobCredentials(REPO) })
      done = converged(world)
    }
    const secrets = secretsOf(world)
    return {
      lockout: lockout || !everyTargetWorks(world),
      rotations: Math.max(rotations, created),
      exits: runs.map((run) => run.code),
      explained,
      converged: done,
      leaks: world.runs.flatMap((run) => findLeaks(run, secrets)).length
    }
  } finally {
    await world.close()
  }
}

describe('two runs at the same time', () => {
  it(`never lock out and rotate at most once (${REPETITIONS} repetitions)`, async () => {
    const results = await pool(
      Array.from({ length: REPETITIONS }, () => race),
      4
    )
    console.table(
      results.map((result, index) => ({
        repetition: index + 1,
        exits: result.exits.join(' / '),
        rotations: result.rotations,
        'loser explained': result.explained ? 'yes' : 'NO',
        lockout: result.lockout ? 'YES' : 'no',
        converged: result.converged ? 'yes' : 'NO'
      }))
    )
    const lockouts = results.filter((result) => result.lockout).length
    console.log(
      `concurrency: ${REPETITIONS} repetitions, ${lockouts} lockouts, ` +
        `${results.filter((result) => result.rotations > 1).length} with more than one rotation`
    )
    expect(lockouts).toBe(0)
    expect(results.filter((result) => result.rotations > 1)).toEqual([])
    expect(results.every((result) => result.explained)).toBe(true)
    expect(results.every((result) => result.converged)).toBe(true)
    expect(results.reduce((sum, result) => sum + result.leaks, 0)).toBe(0)
    // Each repetition rotated exactly once between its runs (one won, or one ran after the other).
    expect(results.every((result) => result.rotations === 1)).toBe(true)
  })
})
