/**
 * mode: audit. Reads the access keys of one user, a list of users, or every IAM user of the
 * account, and judges them against max-key-age-days, the one-active-key rule, unused and leftover
 * keys, and the exceptions register. Read-only by construction: the AuditIam port cannot write.
 */
import { ActionError, errorMessage, explainAws, explainGetUser } from '../errors.js'
import { ageInDays, lastUsedText } from '../keys.js'
import type { CallerIdentity, Clock, Log } from '../rotation/ports.js'
import { parseCredentialReport, type ReportUser } from './credential-report.js'
import type { AuditIam } from './ports.js'
import type { AuditRecord } from './record.js'
import { isExpired, type ExceptionsRegister } from './register.js'
import { judge, keyLabel, type AuditedKey, type AuditedUser } from './verdicts.js'

/**
 * Who is audited. `users` is a list of IAM user names (iam-user-name today, a fleet file's users
 * later); `caller` is the user of the current credentials; `account` every IAM user.
 */
export type AuditScope =
  | { readonly kind: 'account' }
  | { readonly kind: 'users'; readonly names: readonly string[] }
  | { readonly kind: 'caller' }

export interface AuditSettings {
  readonly scope: AuditScope
  readonly maxKeyAgeDays: number
  readonly deleteAfterDays: number
  readonly register: ExceptionsRegister
}

export interface AuditDeps {
  readonly iam: AuditIam
  readonly clock: Clock
  readonly log: Log
}

/**
 * Up to this many named users are read one by one (ListAccessKeys + GetAccessKeyLastUsed per key,
 * exact key IDs); more are read from the credential report (3 calls for any number of users).
 */
export const PER_USER_READ_LIMIT = 3
/** GenerateCredentialReport is polled with a backoff from FIRST to MAX, for at most TIMEOUT. */
export const FIRST_REPORT_POLL_MS = 250
export const MAX_REPORT_POLL_MS = 5_000
export const REPORT_TIMEOUT_MS = 300_000

/** The user name of an IAM user ARN, path included or not (user/ci/deployer → deployer). */
const USER_ARN = /^arn:[^:]+:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/

interface UsersRead {
  readonly users: AuditedUser[]
  readonly keyOwners: Map<string, string>
}

export async function audit(settings: AuditSettings, deps: AuditDeps): Promise<AuditRecord> {
  const { clock, log } = deps
  const now = clock.now()
  const { scope, register } = settings
  const record: AuditRecord = {
    outcome: 'failed',
    startedAt: now.toISOString(),
    scope:
      scope.kind === 'users' ? { kind: 'users', users: [...scope.names] } : { kind: 'account' },
    settings: { maxKeyAgeDays: settings.maxKeyAgeDays, deleteAfterDays: settings.deleteAfterDays },
    ...(register.file === '' ? {} : { exceptionsFile: register.file }),
    exceptions: [],
    users: [],
    keys: [],
    findings: []
  }
  try {
    const read = await log.group(
      scope.kind === 'account'
        ? 'Read every IAM user and its access keys (credential report)'
        : 'Read the IAM user(s) and their access keys',
      () => readUsers(settings, deps, record)
    )
    await log.group(`Check ${read.users.length} IAM user(s) against the controls`, async () => {
      const judgement = judge(read.users, settings, register, now, {
        wholeAccount: scope.kind === 'account',
        keyOwners: read.keyOwners
      })
      Object.assign(record, judgement)
      for (const finding of judgement.findings) {
        const state = finding.exception
          ? `excepted (${register.file} line ${finding.exception.line}, until ${finding.exception.expires})`
          : 'NON-COMPLIANT'
        log.info(`${state}: ${finding.message}`)
      }
      const { totals } = judgement
      log.info(
        `${totals.users} user(s), ${totals.keys} key(s), ${totals.activeKeys} active; ${totals.noncompliant} non-compliant finding(s), ${totals.excepted} excepted.`
      )
    })
    record.outcome = 'audited'
  } catch (error) {
    record.outcome = 'failed'
    record.failure =
      error instanceof ActionError
        ? { stage: error.stage, message: error.message, ...(error.fix ? { fix: error.fix } : {}) }
        : { stage: 'audit', message: errorMessage(error) }
  } finally {
    record.finishedAt = clock.now().toISOString()
  }
  return record
}

async function readUsers(
  settings: AuditSettings,
  deps: AuditDeps,
  record: AuditRecord
): Promise<UsersRead> {
  const { iam, log } = deps
  const caller = await iam
    .caller()
    .catch((error: unknown) =>
      Promise.reject(explainAws('resolve', error, 'Reading the identity of the AWS credentials'))
    )
  record.account = caller.account
  record.callerArn = caller.arn
  log.info(`AWS credentials belong to ${caller.arn}.`)
  const { scope } = settings

  if (scope.kind === 'caller') {
    const name = USER_ARN.exec(caller.arn)?.[1]
    if (name === undefined) {
      throw new ActionError(
        'inputs',
        `iam-user-name is empty and the AWS credentials are not an IAM user's (${caller.arn}).`,
        "Set iam-user-name to the IAM user to audit, or to '*' to audit every IAM user of the account."
      )
    }
    record.scope = { kind: 'users', users: [name] }
    record.source = { kind: 'list-access-keys' }
    return { users: [await readUserLive(name, caller, deps)], keyOwners: new Map() }
  }

  if (scope.kind === 'users' && scope.names.length <= PER_USER_READ_LIMIT) {
    record.source = { kind: 'list-access-keys' }
    const users: AuditedUser[] = []
    for (const name of scope.names) users.push(await readUserLive(name, caller, deps))
    return { users, keyOwners: new Map() }
  }

  const report = await readCredentialReport(deps)
  const startedAt = new Date(record.startedAt)
  let users = report.users.map(fromReport)
  if (scope.kind === 'users') {
    const wanted = new Set(scope.names)
    users = users.filter((user) => wanted.has(user.name))
    // Users created after the report was generated are not in it yet.
    const found = new Set(users.map((user) => user.name))
    for (const name of scope.names) {
      if (!found.has(name)) users.push(await readUserLive(name, caller, deps))
    }
  }
  const { keyOwners, liveUsers } = await ownersOfExceptedKeys(settings, deps, users, startedAt)
  for (const name of liveUsers) {
    const live = await readUserLive(name, caller, deps)
    const at = users.findIndex((user) => user.name === name)
    if (at >= 0) users[at] = live
    else users.push(live)
  }
  const ageMinutes = Math.max(
    0,
    Math.floor((startedAt.getTime() - report.generatedAt.getTime()) / 60_000)
  )
  record.source = {
    kind: 'credential-report',
    generatedAt: report.generatedAt.toISOString(),
    ageMinutes,
    newlyGenerated: report.newlyGenerated,
    liveUsers
  }
  log.info(
    `Credential report generated ${report.generatedAt.toISOString()} (${ageMinutes} min before this run${report.newlyGenerated ? ', generated for it' : ', reused by AWS: it regenerates at most every 4 hours'}): ${report.users.length} user(s).`
  )
  if (liveUsers.length > 0) {
    log.info(
      `Read live with ListAccessKeys, because a key-id exception names one of their keys: ${liveUsers.join(', ')}.`
    )
  }
  return { users, keyOwners }
}

/** One user with its keys and their IDs: GetUser (unless it is the caller), ListAccessKeys. */
async function readUserLive(
  name: string,
  caller: CallerIdentity,
  deps: AuditDeps
): Promise<AuditedUser> {
  const { iam, log, clock } = deps
  const isCaller = USER_ARN.exec(caller.arn)?.[1] === name
  const user = isCaller
    ? { name, arn: caller.arn }
    : await iam.getUser(name).catch((error: unknown) => {
        throw explainGetUser('audit', error, name, caller.account, 'Fix iam-user-name.')
      })
  const keys = await iam
    .listKeys(name)
    .catch((error: unknown) =>
      Promise.reject(explainAws('audit', error, `Listing the access keys of ${name}`))
    )
  const audited: AuditedKey[] = keys.map((key) => {
    const used = key.lastUsed
    return {
      id: key.id,
      status: key.status,
      createdAt: key.createdAt,
      source: 'list-access-keys',
      lastUsed: {
        ...(used?.date ? { date: used.date } : {}),
        ...(used?.service && used.service !== 'N/A' ? { service: used.service } : {}),
        ...(used?.region && used.region !== 'N/A' ? { region: used.region } : {})
      }
    }
  })
  const now = clock.now()
  for (const key of audited) {
    const used = key.lastUsed
    const shown = {
      lastUsed: {
        ...(used?.date ? { date: used.date.toISOString() } : {}),
        ...(used?.service ? { service: used.service } : {}),
        ...(used?.region ? { region: used.region } : {})
      }
    }
    log.info(
      `${name} ${keyLabel(key)}: ${key.status}, created ${key.createdAt.toISOString()} (${ageInDays(key.createdAt, now)} days), ${lastUsedText(shown)}.`
    )
  }
  return { name: user.name, arn: user.arn, keys: audited }
}

function fromReport(user: ReportUser): AuditedUser {
  return {
    name: user.name,
    arn: user.arn,
    keys: user.keys.map((key) => ({
      slot: key.slot,
      status: key.active ? 'Active' : 'Inactive',
      createdAt: key.createdAt,
      lastUsed: key.lastUsed,
      source: 'credential-report'
    }))
  }
}

/**
 * The credential report names keys by slot only, so a key-id exception cannot be matched from it.
 * The users such entries name are read live instead: the entry's user, or the key's owner found
 * with GetAccessKeyLastUsed. That is a few calls per key-id entry, whatever the number of users.
 */
async function ownersOfExceptedKeys(
  settings: AuditSettings,
  deps: AuditDeps,
  users: readonly AuditedUser[],
  now: Date
): Promise<{ keyOwners: Map<string, string>; liveUsers: string[] }> {
  const keyOwners = new Map<string, string>()
  const liveUsers: string[] = []
  const inScope = (name: string): boolean =>
    settings.scope.kind === 'account' || users.some((user) => user.name === name)
  for (const entry of settings.register.entries) {
    if (entry.keyId === undefined || isExpired(entry, now) || keyOwners.has(entry.keyId)) continue
    const owner =
      entry.user ??
      (await deps.iam
        .keyOwner(entry.keyId)
        .catch((error: unknown) =>
          Promise.reject(
            explainAws(
              'audit',
              error,
              `Finding the owner of the key named at ${settings.register.file} line ${entry.line}`
            )
          )
        ))
    if (owner === undefined) {
      deps.log.info(
        `The exception at ${settings.register.file} line ${entry.line} names a key that does not exist (any more).`
      )
      continue
    }
    keyOwners.set(entry.keyId, owner)
    if (inScope(owner) && !liveUsers.includes(owner)) liveUsers.push(owner)
  }
  return { keyOwners, liveUsers }
}

async function readCredentialReport(
  deps: AuditDeps
): Promise<{ users: ReportUser[]; generatedAt: Date; newlyGenerated: boolean }> {
  const { iam, clock, log } = deps
  const explain = (error: unknown): Promise<never> =>
    Promise.reject(explainAws('audit', error, 'Reading the IAM credential report'))
  const started = clock.now().getTime()
  let state = await iam.generateCredentialReport().catch(explain)
  const newlyGenerated = state !== 'COMPLETE'
  let pause = FIRST_REPORT_POLL_MS
  while (state !== 'COMPLETE') {
    if (clock.now().getTime() - started >= REPORT_TIMEOUT_MS) {
      throw new ActionError(
        'audit',
        `IAM did not finish the credential report within ${REPORT_TIMEOUT_MS / 1000} s (state ${state}).`,
        'Run the audit again in a few minutes: once generated, AWS keeps the report for 4 hours.'
      )
    }
    log.info(`Credential report: ${state}; asking again in ${pause} ms.`)
    await clock.sleep(pause)
    pause = Math.min(pause * 2, MAX_REPORT_POLL_MS)
    state = await iam.generateCredentialReport().catch(explain)
  }
  const file = await iam.getCredentialReport().catch(explain)
  try {
    return { users: parseCredentialReport(file.csv), generatedAt: file.generatedAt, newlyGenerated }
  } catch (error) {
    throw new ActionError(
      'audit',
      `The IAM credential report could not be read: ${errorMessage(error)}.`,
      'Run the audit again; if it keeps failing, report it with the first line (the header) of the report.'
    )
  }
}
