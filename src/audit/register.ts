/**
 * The exceptions register: approved, time-bound exceptions kept as a YAML file in the repository.
 * An unexpired entry turns a finding into "excepted"; an expired entry is a finding of its own.
 * The file's format and its parser are in register-file.ts, loaded only when a run has a register.
 */
import { readInputFile } from '../files.js'
import { redactKeyId } from '../keys.js'

export interface ExceptionEntry {
  /** Line of the entry in the register file (1-based), for the evidence and error messages. */
  readonly line: number
  readonly user?: string
  /** Full access key ID as written in the register; never printed unredacted. */
  readonly keyId?: string
  readonly reason: string
  readonly approver: string
  readonly ticket: string
  /** YYYY-MM-DD, the last day the exception holds (UTC). */
  readonly expires: string
}

export interface ExceptionsRegister {
  /** The path as the workflow wrote it (relative to the repository), for messages. */
  readonly file: string
  readonly entries: readonly ExceptionEntry[]
}

export const EMPTY_REGISTER: ExceptionsRegister = { file: '', entries: [] }

/** A register that cannot be used, with every problem found (file, line, field and fix). */
export class RegisterError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'))
    this.name = 'RegisterError'
  }
}

const DAY_MS = 86_400_000

/** An entry holds through its `expires` day (UTC) and has expired from the next midnight. */
export function isExpired(entry: Pick<ExceptionEntry, 'expires'>, now: Date): boolean {
  return now.getTime() >= Date.parse(`${entry.expires}T00:00:00Z`) + DAY_MS
}

/**
 * Whether an entry covers a user's key: a `user` entry covers all of the user's keys, a `key-id`
 * entry that one key; an entry with both covers that key of that user only.
 */
export function coversKey(entry: ExceptionEntry, userName: string, keyId?: string): boolean {
  if (entry.user !== undefined && entry.user !== userName) return false
  if (entry.keyId !== undefined) return keyId !== undefined && entry.keyId === keyId
  return true
}

/**
 * The unexpired entry that excepts this user (or one of `keyIds`), if any. Rotate mode uses it to
 * skip a user with an approved exception; audit uses the same rule per finding.
 */
export function activeException(
  register: ExceptionsRegister,
  userName: string,
  keyIds: readonly string[],
  now: Date
): ExceptionEntry | undefined {
  return register.entries.find(
    (entry) =>
      !isExpired(entry, now) &&
      (coversKey(entry, userName) || keyIds.some((keyId) => coversKey(entry, userName, keyId)))
  )
}

/** The entry as it may be shown: the key ID redacted like everywhere else. */
export function describeEntry(entry: ExceptionEntry): string {
  const parts = [
    entry.user === undefined ? undefined : `user ${entry.user}`,
    entry.keyId === undefined ? undefined : `key ${redactKeyId(entry.keyId)}`
  ].filter((part) => part !== undefined)
  return parts.join(', ')
}

/**
 * Reads the register named by the exceptions input: relative paths are in the repository checkout
 * (GITHUB_WORKSPACE), absolute paths are used as they are.
 */
export async function loadRegister(path: string, workspace: string): Promise<ExceptionsRegister> {
  const file = await readInputFile('exceptions', path, workspace, 'register')
  if ('problem' in file) throw new RegisterError([file.problem])
  // The YAML parser is loaded only now: most runs have no register and never need it.
  const { parseRegister } = await import('./register-file.js')
  return parseRegister(file.text, path)
}
