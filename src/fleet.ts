/**
 * A fleet: many IAM users, each with its own targets, from the YAML file named by the `config`
 * input. The file's format, its parser and its validation are in fleet-file.ts, which is loaded
 * only when a run has a fleet file: most runs have none, and loading the YAML parser is part of
 * every run's start-up otherwise.
 */
import { readInputFile } from './files.js'
import type { NewOrgSecret, OrgSecretVisibility, SecretNames, Target } from './targets.js'

export type { OrgSecretVisibility, SecretNames }

export interface FleetTarget {
  readonly target: Target
  readonly secretNames: SecretNames
  /** How to create the org secret when it does not exist yet; an existing one keeps its own. */
  readonly newOrgSecret?: NewOrgSecret
}

export interface FleetUser {
  readonly iamUserName: string
  /** Line of the user's entry in the file (1-based), for messages. */
  readonly line: number
  readonly targets: readonly FleetTarget[]
  readonly rotateAfterDays?: number
  readonly maxKeyAgeDays?: number
  readonly deleteAfterDays?: number
  readonly smoke: {
    readonly workflow?: string
    readonly repositories?: readonly string[]
    readonly ref?: string
    readonly timeoutSeconds?: number
    readonly command?: string
  }
}

export interface Fleet {
  /** The path as the workflow wrote it, for messages. */
  readonly file: string
  readonly users: readonly FleetUser[]
}

/** A fleet file that cannot be used, with every problem found (file, line, field and fix). */
export class FleetError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'))
    this.name = 'FleetError'
  }
}

/** The user to rotate in this job (e.g. one matrix job per user). */
export function selectUser(fleet: Fleet, iamUserName: string): FleetUser {
  const wanted = iamUserName.trim()
  // IAM user names are case-insensitive; duplicates are refused, so at most one matches.
  const user =
    fleet.users.find((candidate) => candidate.iamUserName === wanted) ??
    fleet.users.find((candidate) => candidate.iamUserName.toLowerCase() === wanted.toLowerCase())
  if (user !== undefined) return user
  const names = fleet.users.map((candidate) => candidate.iamUserName).join(', ')
  throw new FleetError([
    wanted === ''
      ? `iam-user-name is empty: with config, name the user to rotate, one of ${names} (e.g. one matrix job per user).`
      : `iam-user-name: '${wanted}' is not a user in ${fleet.file}: use one of ${names}, or add the user to the file.`
  ])
}

/**
 * Reads the fleet file named by the config input: relative paths are in the repository checkout
 * (GITHUB_WORKSPACE), absolute paths are used as they are.
 */
export async function loadFleet(
  path: string,
  workspace: string,
  fallbackSecretNames: SecretNames
): Promise<Fleet> {
  const file = await readInputFile('config', path, workspace, 'fleet file')
  if ('problem' in file) throw new FleetError([file.problem])
  // The YAML parser is loaded only now: most runs have no fleet file and never need it.
  const { parseFleet } = await import('./fleet-file.js')
  return parseFleet(file.text, path, fallbackSecretNames)
}
