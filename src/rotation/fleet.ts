/**
 * Many IAM users in one run (a fleet file without iam-user-name): each user's rotation is its
 * own, with its own never-lock-out guarantees; one user's failure does not stop the others.
 */
import type { Log } from './ports.js'
import type { Outcome, RotationRecord } from './record.js'
import { rotate, type RotationDeps, type RotationSettings } from './rotate.js'

export interface FleetRecord {
  readonly file: string
  readonly startedAt: string
  finishedAt?: string
  readonly users: { readonly name: string; readonly record: RotationRecord }[]
  outcome: Outcome
}

/** Group names carry the user, so a long log stays readable (groups cannot nest). */
function logFor(log: Log, prefix: string): Log {
  return {
    info: (message) => log.info(message),
    warning: (message) => log.warning(`${prefix}: ${message}`),
    group: (name, fn) => log.group(`${prefix}: ${name}`, fn)
  }
}

export async function rotateFleet(
  file: string,
  users: readonly { readonly name: string; readonly settings: RotationSettings }[],
  deps: RotationDeps
): Promise<FleetRecord> {
  const fleet: FleetRecord = {
    file,
    startedAt: deps.clock.now().toISOString(),
    users: [],
    outcome: 'skipped'
  }
  for (const [index, user] of users.entries()) {
    const prefix = `[${index + 1}/${users.length}] ${user.name}`
    deps.log.info(`IAM user ${prefix}`)
    const record = await rotate(user.settings, { ...deps, log: logFor(deps.log, prefix) })
    deps.log.info(
      `${prefix}: ${record.outcome}${record.failure ? ` at ${record.failure.stage}` : ''}.`
    )
    fleet.users.push({ name: user.name, record })
  }
  fleet.finishedAt = deps.clock.now().toISOString()
  fleet.outcome = fleetOutcome(fleet.users.map((user) => user.record.outcome))
  return fleet
}

/** The worst outcome first: any failure fails the run; else any rotation shows. */
export function fleetOutcome(outcomes: readonly Outcome[]): Outcome {
  for (const outcome of ['failed', 'rotated', 'dry-run'] as const) {
    if (outcomes.includes(outcome)) return outcome
  }
  return 'skipped'
}
