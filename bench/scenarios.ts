/**
 * The bench's five scenarios. Each starts its own fakes on 127.0.0.1, runs the bundled action
 * (`dist/index.js`) exactly as the GitHub runner does (sandbox/runner.ts), and measures it from
 * the outside: wall times, the fakes' request logs and the evidence file.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { addAuditPopulation } from '../sandbox/audit-population.js'
import { FakeAws, type FakeAwsOptions, type FakeKey } from '../sandbox/aws-fake.js'
import { FakeGitHub, type FakeGitHubOptions, type TokenSpec } from '../sandbox/github-fake.js'
import { ROOT, runAction, type ActionRun, type RunActionOptions } from '../sandbox/runner.js'
import {
  classifyAws,
  classifyGitHub,
  count,
  differences,
  minimumAws,
  minimumGitHub,
  total,
  type Counts,
  type FlowTarget
} from './minimum.js'

export const ID = 'AWS_ACCESS_KEY_ID'
export const SECRET = 'AWS_SECRET_ACCESS_KEY'
const TOKEN = 'github_pat_bench_0123456789abcdefghij'
const USER = 'deployer'
const DAY_MS = 86_400_000

/** What the table shows for one measure; `met` is absent for figures without a target. */
export interface Row {
  readonly measure: string
  readonly measured: string
  readonly target?: string
  readonly met?: boolean
}

export interface ScenarioResult {
  readonly name: string
  readonly rows: Row[]
  readonly data: Record<string, unknown>
}

export interface Thresholds {
  readonly coldStartRuns: number
  /** No-op run median ≤ this × bare `node -e 0` median. */
  readonly coldStartRatio: number
  /** No-op run median ≤ this × the floor's median (the required libraries alone, bench/floor.ts). */
  readonly coldStartOverFloor: number
  readonly distBytes: number
  readonly propagationDelaysMs: readonly number[]
  readonly propagationOverheadMs: number
  readonly fanOutTargets: number
  /** Achieved write rate ≥ this fraction of the secondary limit. */
  readonly fanOutRateFraction: number
  readonly auditUsers: number
  readonly auditMs: number
}

/** GitHub's secondary limit, scaled 7.5× so the bench stays short (80/min is the same fraction). */
export const WRITE_LIMIT = { limit: 600, windowMs: 60_000 }
const FAN_OUT_LATENCY_MS = 50

interface Sandbox {
  readonly aws: FakeAws
  readonly github: FakeGitHub
  run(options: Omit<RunActionOptions, 'awsEndpoint' | 'githubApiUrl'>): Promise<ActionRun>
  close(): Promise<void>
}

async function sandbox(
  options: { aws?: FakeAwsOptions; github?: FakeGitHubOptions; token?: TokenSpec } = {}
): Promise<Sandbox> {
  const aws = await FakeAws.start(options.aws)
  const github = await FakeGitHub.start(options.github)
  github.addToken(
    TOKEN,
    options.token ?? {
      kind: 'pat-fine-grained',
      permissions: { secrets: 'write', environments: 'write' }
    }
  )
  return {
    aws,
    github,
    run: (run) => runAction({ awsEndpoint: aws.endpoint, githubApiUrl: github.url, ...run }),
    close: () => Promise.all([aws.close(), github.close()]).then(() => undefined)
  }
}

/** A target's two secrets hold the key, as an earlier rotation wrote them a day ago. */
function seed(github: FakeGitHub, scope: string, key: FakeKey): void {
  github.setSecret(scope, ID, key.accessKeyId)
  github.setSecret(scope, SECRET, key.secretAccessKey)
}

function credentialsOf(key: FakeKey): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }
}

function holdsWorkingKey(box: Sandbox, scope: string): boolean {
  const id = box.github.secret(scope, ID)?.value ?? ''
  const secret = box.github.secret(scope, SECRET)?.value ?? ''
  return box.aws.authenticates(id, secret, 'sts')
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

function outcomeOf(run: ActionRun): string {
  return typeof run.evidence?.outcome === 'string' ? run.evidence.outcome : 'no evidence'
}

/** Error and warning annotations: what a person sees as a failure or a problem in the run. */
function annotations(run: ActionRun): string[] {
  return run.stdout.split('\n').filter((line) => /^::(error|warning)\b/.test(line))
}

function fail(scenario: string, run: ActionRun, what: string): never {
  throw new Error(
    `${scenario}: ${what} (exit ${run.code}, outcome ${outcomeOf(run)})\n${run.stdout}\n${run.stderr}`
  )
}

function countsText(counts: Counts): string {
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([operation, value]) => `${operation} ×${value}`)
    .join(', ')
}

function ms(value: number): string {
  return `${Math.round(value)} ms`
}

async function directoryBytes(directory: string): Promise<number> {
  let bytes = 0
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name)
    bytes += entry.isDirectory() ? await directoryBytes(path) : (await stat(path)).size
  }
  return bytes
}

/** Wall time of `node -e 0` on the same binary, spawned as runAction spawns the action. */
function bareNode(): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, ['-e', '0'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    child.stdout.resume()
    child.stderr.resume()
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`node -e 0: ${code}`))
    )
  })
}

/**
 * Builds bench/floor.ts exactly as the action is built (script/bundle.mjs: ncc, minified, module
 * functions parenthesized) into a temporary directory; returns the bundle and its removal.
 */
async function buildFloor(): Promise<{ entry: string; remove: () => Promise<void> }> {
  const out = await mkdtemp(join(tmpdir(), 'bench-floor-'))
  await promisify(execFile)(
    process.execPath,
    [join('script', 'bundle.mjs'), join('bench', 'floor.ts'), out],
    { cwd: ROOT }
  )
  return { entry: join(out, 'index.js'), remove: () => rm(out, { recursive: true, force: true }) }
}

// ---- 1. Cold start ------------------------------------------------------------------------------

export async function coldStart(thresholds: Thresholds): Promise<ScenarioResult> {
  const name = 'Cold start'
  const box = await sandbox()
  const floor = await buildFloor()
  try {
    box.github.addRepo('acme/web')
    box.aws.addUser(USER, { path: '/ci/' })
    // Younger than rotate-after-days (30): the action resolves the user and skips.
    const key = box.aws.addKey(USER, { ageDays: 5 })
    const noOp = async (): Promise<number> => {
      const run = await box.run({ aws: credentialsOf(key), inputs: { 'github-token': TOKEN } })
      if (run.code !== 0 || outcomeOf(run) !== 'skipped')
        fail(name, run, 'the no-op run did not skip')
      return run.durationMs
    }
    // The same bundle stopped by input validation: loads, reports, and sends no request.
    const badInput = async (): Promise<number> => {
      const run = await box.run({ aws: credentialsOf(key), inputs: { 'github-token': '' } })
      if (run.code !== 1 || outcomeOf(run) !== 'failed')
        fail(name, run, 'the bad input was accepted')
      return run.durationMs
    }
    // The libraries alone, making the same three requests (bench/floor.ts).
    const librariesOnly = async (): Promise<number> => {
      const run = await box.run({ entry: floor.entry, aws: credentialsOf(key) })
      if (run.code !== 0 || run.outputs.rotated !== 'false')
        fail(name, run, 'the floor bundle did not run through')
      return run.durationMs
    }
    // One of each first: file caches warm, as on a runner that has just downloaded the action.
    await bareNode()
    await noOp()
    await badInput()
    const floorRequestsBefore = box.aws.requests.length
    await librariesOnly()
    const floorRequests = box.aws.requests.length - floorRequestsBefore
    const bare: number[] = []
    const action: number[] = []
    const loadOnly: number[] = []
    const libraries: number[] = []
    let awsRequests = 0
    for (let index = 0; index < thresholds.coldStartRuns; index += 1) {
      bare.push(await bareNode())
      const before = box.aws.requests.length
      action.push(await noOp())
      awsRequests += box.aws.requests.length - before
      loadOnly.push(await badInput())
      libraries.push(await librariesOnly())
    }
    if (box.aws.mutations().length > 0 || box.github.requests.length > 0) {
      throw new Error(`${name}: a no-op run changed something or called GitHub`)
    }
    const bareMs = median(bare)
    const actionMs = median(action)
    const loadOnlyMs = median(loadOnly)
    const floorMs = median(libraries)
    const ratio = actionMs / bareMs
    const floorRatio = floorMs / bareMs
    const awsPerRun = awsRequests / thresholds.coldStartRuns
    const distBytes = await directoryBytes(join(ROOT, 'dist'))
    return {
      name,
      data: {
        runs: thresholds.coldStartRuns,
        bareNodeMs: { median: bareMs, all: bare },
        noOpMs: { median: actionMs, all: action },
        badInputMs: { median: loadOnlyMs, all: loadOnly },
        floorMs: { median: floorMs, all: libraries },
        ratio,
        floorRatio,
        awsRequestsPerFloorRun: floorRequests,
        awsRequestsPerNoOp: awsPerRun,
        distBytes
      },
      rows: [
        { measure: `bare \`node -e 0\`, median of ${bare.length}`, measured: ms(bareMs) },
        {
          measure: `no-op run of dist/index.js, median of ${action.length}`,
          measured: `${ms(actionMs)} (${awsPerRun} AWS requests, 0 GitHub)`
        },
        {
          measure: `dist/index.js stopped by a bad input (no request), median of ${loadOnly.length}`,
          measured: ms(loadOnlyMs)
        },
        {
          measure: `floor: @actions/core + IAM and STS clients only, same ${floorRequests} requests (bench/floor.ts), median of ${libraries.length}`,
          measured: `${ms(floorMs)} (${floorRatio.toFixed(2)}× bare node)`
        },
        {
          measure: 'no-op ÷ floor: what the action adds to its libraries',
          measured: `${(actionMs / floorMs).toFixed(2)}× (${actionMs >= floorMs ? '+' : '−'}${ms(Math.abs(actionMs - floorMs))})`,
          target: `≤ ${thresholds.coldStartOverFloor}×`,
          met: actionMs / floorMs <= thresholds.coldStartOverFloor
        },
        {
          measure: 'no-op ÷ bare node',
          measured: `${ratio.toFixed(2)}×`,
          target: `≤ ${thresholds.coldStartRatio}×`,
          met: ratio <= thresholds.coldStartRatio
        },
        {
          measure: 'dist/ size (all files)',
          measured: `${(distBytes / 1e6).toFixed(2)} MB (${distBytes} bytes)`,
          target: `< ${thresholds.distBytes / 1e6} MB`,
          met: distBytes < thresholds.distBytes
        }
      ]
    }
  } finally {
    await Promise.all([box.close(), floor.remove()])
  }
}

// ---- 2. Request economy -------------------------------------------------------------------------

export async function requestEconomy(): Promise<ScenarioResult> {
  const name = 'Request economy'
  const box = await sandbox({
    token: {
      kind: 'app',
      permissions: { secrets: 'write', environments: 'write', organization_secrets: 'write' }
    }
  })
  try {
    const { aws, github } = box
    github.addOrg('acme')
    const web = github.addRepo('acme/web', { environments: ['production'] })
    const api = github.addRepo('acme/api')
    aws.addUser(USER, { path: '/ci/' })
    const old = aws.addKey(USER, { ageDays: 45 })
    seed(github, 'repo:acme/web', old)
    seed(github, 'env:acme/web/production', old)
    const selected = [web.id, api.id]
    for (const [secret, value] of [
      [ID, old.accessKeyId],
      [SECRET, old.secretAccessKey]
    ] as const) {
      github.setSecret('org:acme', secret, value, {
        visibility: 'selected',
        selectedRepositoryIds: selected
      })
    }
    github.timeTravel(DAY_MS)
    const scopes = ['repo:acme/web', 'env:acme/web/production', 'org:acme']

    // Self-rotation: the job runs with the old key, as the repository's secrets hold it.
    const run = await box.run({
      aws: credentialsOf(old),
      inputs: { 'github-token': TOKEN, targets: scopes.join('\n') }
    })
    if (run.code !== 0 || outcomeOf(run) !== 'rotated') fail(name, run, 'the rotation failed')
    if (!scopes.every((scope) => holdsWorkingKey(box, scope)) || !old.deleted) {
      throw new Error(`${name}: the rotation did not leave every target with a working key`)
    }
    for (const secret of [ID, SECRET]) {
      const stored = github.secret('org:acme', secret)
      if (
        stored?.visibility !== 'selected' ||
        stored.selectedRepositoryIds?.join() !== selected.join()
      )
        throw new Error(`${name}: org secret ${secret} lost its selected repositories`)
    }

    const flowTargets: FlowTarget[] = [
      { kind: 'repo' },
      { kind: 'env' },
      { kind: 'org', visibility: 'selected', selectedRepositories: selected.length }
    ]
    const awsMinimum = minimumAws({ selfRotation: true, keysAtStart: 1, oldKey: true })
    const githubMinimum = minimumGitHub(flowTargets)
    const awsObserved = count(aws.requests.map((r) => classifyAws(r, old.accessKeyId)))
    const githubObserved = count(
      github.requests.map((request) => classifyGitHub(request.method, request.path))
    )
    const awsExtra = differences(awsObserved, awsMinimum)
    const githubExtra = differences(githubObserved, githubMinimum)
    const iam = (counts: Counts, service: string): number =>
      total(
        Object.fromEntries(Object.entries(counts).filter(([key]) => key.startsWith(`${service}:`)))
      )
    return {
      name,
      data: {
        scenario:
          'self-rotation; targets repo:acme/web, env:acme/web/production, org:acme (both secrets selected, 2 repositories)',
        aws: { observed: awsObserved, minimum: awsMinimum, differences: awsExtra },
        github: { observed: githubObserved, minimum: githubMinimum, differences: githubExtra },
        githubLog: github.requests.map(
          (request) => `${request.method} ${request.path} ${request.status}`
        ),
        awsLog: aws.requests.map(
          (request) => `${classifyAws(request, old.accessKeyId)} ${request.status}`
        )
      },
      rows: [
        {
          measure: `IAM/STS requests (IAM ${iam(awsObserved, 'iam')}, STS ${iam(awsObserved, 'sts')})`,
          measured: `${total(awsObserved)}${awsExtra.length ? `: ${awsExtra.join('; ')}` : ''}`,
          target: `= ${total(awsMinimum)} (minimum)`,
          met: awsExtra.length === 0
        },
        {
          measure: 'GitHub requests (repo + env + org selected)',
          measured: `${total(githubObserved)}${githubExtra.length ? `: ${githubExtra.join('; ')}` : ''}`,
          target: `= ${total(githubMinimum)} (minimum)`,
          met: githubExtra.length === 0
        }
      ]
    }
  } finally {
    await box.close()
  }
}

// ---- 3. Propagation -----------------------------------------------------------------------------

async function propagationCase(delayMs: number): Promise<Record<string, number>> {
  const name = `Propagation ${delayMs / 1000} s`
  const box = await sandbox({ aws: { propagationDelayMs: delayMs } })
  try {
    const { aws, github } = box
    github.addRepo('acme/web')
    aws.addUser(USER, { path: '/ci/' })
    const old = aws.addKey(USER, { ageDays: 45 })
    seed(github, 'repo:acme/web', old)
    github.timeTravel(DAY_MS)
    const run = await box.run({
      aws: credentialsOf(old),
      inputs: { 'github-token': TOKEN, targets: 'repo:acme/web' }
    })
    if (run.code !== 0 || outcomeOf(run) !== 'rotated') fail(name, run, 'the rotation failed')
    const created = aws.requests.find((request) => request.action === 'CreateAccessKey')
    const polls = aws.requests.filter(
      (request) =>
        request.service === 'sts' &&
        request.action === 'GetCallerIdentity' &&
        request.accessKeyId !== old.accessKeyId
    )
    const lastPoll = polls.at(-1)
    if (!created || lastPoll?.status !== 200) throw new Error(`${name}: no verified key in the log`)
    const newKey = run.evidence?.newKey as { verificationMs?: number } | undefined
    const verificationMs = newKey?.verificationMs ?? NaN
    // The fake accepts the key from CreateAccessKey's arrival + delay; the last (confirming) poll
    // answered at once, so "verified" is when it arrived.
    const createdToVerifiedMs = lastPoll.at - created.at
    return {
      delayMs,
      createdToVerifiedMs,
      overheadMs: createdToVerifiedMs - delayMs,
      verificationMs,
      verificationOverheadMs: verificationMs - delayMs,
      polls: polls.length,
      rejectedPolls: polls.filter((poll) => poll.status !== 200).length,
      runMs: run.durationMs
    }
  } finally {
    await box.close()
  }
}

export async function propagation(thresholds: Thresholds): Promise<ScenarioResult> {
  const cases: Record<string, number>[] = []
  for (const delay of thresholds.propagationDelaysMs) cases.push(await propagationCase(delay))
  return {
    name: 'Propagation',
    data: { cases },
    rows: cases.map((result) => {
      const overhead = result.overheadMs ?? NaN
      return {
        measure: `STS rejects the new key for ${(result.delayMs ?? 0) / 1000} s: created → verified − delay`,
        measured: `${ms(overhead)} (${result.polls} polls, ${result.rejectedPolls} rejected; evidence verificationMs − delay ${ms(result.verificationOverheadMs ?? NaN)})`,
        target: `< ${thresholds.propagationOverheadMs} ms`,
        met: overhead < thresholds.propagationOverheadMs
      }
    })
  }
}

// ---- 4. Fan-out ---------------------------------------------------------------------------------

export async function fanOut(thresholds: Thresholds): Promise<ScenarioResult> {
  const name = 'Fan-out'
  const box = await sandbox({
    github: { latencyMs: FAN_OUT_LATENCY_MS, secondaryWriteLimit: WRITE_LIMIT },
    token: { kind: 'pat-fine-grained', permissions: { secrets: 'write' } }
  })
  try {
    const { aws, github } = box
    const repositories = Array.from(
      { length: thresholds.fanOutTargets },
      (_, index) => `acme/r${String(index + 1).padStart(3, '0')}`
    )
    for (const repository of repositories) github.addRepo(repository)
    aws.addUser(USER, { path: '/ci/' })
    aws.addKey(USER, { ageDays: 45 })
    // A central rotator: role credentials and iam-user-name, no self-rotation secret needed.
    const role = aws.addRoleSession('key-rotator')
    const run = await box.run({
      aws: role,
      inputs: {
        'github-token': TOKEN,
        'iam-user-name': USER,
        targets: repositories.map((repository) => `repo:${repository}`).join('\n'),
        'github-writes-per-minute': String(WRITE_LIMIT.limit)
      }
    })
    const targets = (run.evidence?.targets ?? []) as { result?: string }[]
    const notWritten = targets.filter((target) => target.result !== 'written').length
    const surfaced = [
      ...(run.code === 0 ? [] : [`exit code ${run.code}`]),
      ...(outcomeOf(run) === 'rotated' ? [] : [`outcome ${outcomeOf(run)}`]),
      ...(notWritten === 0 && targets.length === repositories.length
        ? []
        : [`${repositories.length - targets.length + notWritten} target(s) not written`]),
      ...annotations(run)
    ]
    const broken = repositories.filter((repository) => !holdsWorkingKey(box, `repo:${repository}`))
    if (surfaced.length === 0 && broken.length > 0)
      throw new Error(`${name}: ${broken.length} target(s) hold no working key`)

    const puts = github.requests.filter((request) => request.method === 'PUT')
    const writes = puts.filter((request) => request.status >= 200 && request.status < 300)
    const first = writes[0]?.at ?? 0
    const last = writes.at(-1)?.at ?? 0
    const spanMs = last - first
    // n writes spaced evenly span n − 1 intervals.
    const perMinute = spanMs > 0 ? ((writes.length - 1) / spanMs) * 60_000 : NaN
    const fraction = perMinute / WRITE_LIMIT.limit
    const rawPerMinute = spanMs > 0 ? (writes.length / spanMs) * 60_000 : NaN
    const reads = github.requests.filter(
      (request) => classifyGitHub(request.method, request.path) === 'GET public key'
    )
    const readsMs = (reads.at(-1)?.at ?? 0) - (reads[0]?.at ?? 0) + FAN_OUT_LATENCY_MS
    const rejected = github.requests.filter(
      (request) => request.status === 403 || request.status === 429
    )
    const failed = github.requests.filter(
      (request) => request.status >= 400 || request.status === 0
    )
    const retriesLogged = run.stdout.split('\n').filter((line) => /rate limit/i.test(line)).length

    const githubMinimum = minimumGitHub(repositories.map(() => ({ kind: 'repo' as const })))
    const githubObserved = count(
      github.requests.map((request) => classifyGitHub(request.method, request.path))
    )
    const githubExtra = differences(githubObserved, githubMinimum)
    const awsMinimum = minimumAws({ selfRotation: false, keysAtStart: 1, oldKey: true })
    const awsObserved = count(aws.requests.map((request) => classifyAws(request, role.accessKeyId)))
    const awsExtra = differences(awsObserved, awsMinimum)
    return {
      name,
      data: {
        scenario: `${repositories.length} repo: targets, one IAM user, role credentials + iam-user-name; GitHub latency ${FAN_OUT_LATENCY_MS} ms, secondary limit ${WRITE_LIMIT.limit} writes / ${WRITE_LIMIT.windowMs / 1000} s, github-writes-per-minute ${WRITE_LIMIT.limit}`,
        targets: repositories.length,
        totalMs: run.durationMs,
        publicKeyReadsMs: readsMs,
        writes: writes.length,
        firstToLastWriteMs: spanMs,
        writesPerMinute: perMinute,
        fractionOfLimit: fraction,
        rawWritesPerMinute: rawPerMinute,
        rejected403or429: rejected.length,
        failedRequests: failed.length,
        rateLimitLogLines: retriesLogged,
        surfacedFailures: surfaced,
        github: { observed: githubObserved, minimum: githubMinimum, differences: githubExtra },
        aws: { observed: awsObserved, minimum: awsMinimum, differences: awsExtra }
      },
      rows: [
        {
          measure: `${repositories.length} repo targets (${writes.length} writes): total time`,
          measured: `${ms(run.durationMs)} (public-key reads ${(readsMs / 1000).toFixed(1)} s, writes ${(spanMs / 1000).toFixed(1)} s)`
        },
        {
          measure: 'write rate, (writes − 1) ÷ first → last write',
          measured: `${perMinute.toFixed(1)}/min = ${(fraction * 100).toFixed(1)}% of ${WRITE_LIMIT.limit}/min`,
          target: `≥ ${Math.round(thresholds.fanOutRateFraction * 100)}%, ≤ 100%`,
          met: fraction >= thresholds.fanOutRateFraction && fraction <= 1
        },
        {
          measure: 'requests answered 403/429 (retried by the action)',
          measured: String(rejected.length)
        },
        {
          measure: 'failures surfaced to the user',
          measured: surfaced.length === 0 ? '0' : `${surfaced.length}: ${surfaced.join('; ')}`,
          target: '0',
          met: surfaced.length === 0
        },
        {
          measure: 'GitHub requests = scopes + writes',
          measured: `${total(githubObserved)}${githubExtra.length ? `: ${githubExtra.join('; ')}` : ''}`,
          target: `= ${total(githubMinimum)}`,
          met: githubExtra.length === 0
        },
        {
          measure: 'IAM/STS requests (role credentials)',
          measured: `${total(awsObserved)}${awsExtra.length ? `: ${awsExtra.join('; ')}` : ''}`,
          target: `= ${total(awsMinimum)} (minimum)`,
          met: awsExtra.length === 0
        }
      ]
    }
  } finally {
    await box.close()
  }
}

// ---- 5. Audit scale -----------------------------------------------------------------------------

/** mode: audit, iam-user-name: '*': the credential report, STARTED then COMPLETE, then read once. */
const AUDIT_MINIMUM_IAM: Counts = {
  'iam:GenerateCredentialReport': 2,
  'iam:GetCredentialReport': 1
}

export async function auditScale(thresholds: Thresholds): Promise<ScenarioResult> {
  const name = 'Audit scale'
  const box = await sandbox()
  try {
    const { aws, github } = box
    const keys = addAuditPopulation(aws, thresholds.auditUsers)
    const role = aws.addRoleSession('auditor')
    const run = await box.run({
      aws: role,
      inputs: { mode: 'audit', 'github-token': '', 'iam-user-name': '*' }
    })
    const evidence = run.evidence as { totals?: { users?: number }; keys?: unknown[] } | undefined
    if (
      outcomeOf(run) !== 'audited' ||
      evidence?.totals?.users !== thresholds.auditUsers ||
      evidence.keys?.length !== keys
    ) {
      fail(name, run, 'the audit did not report every user and key')
    }
    if (aws.mutations().length > 0 || github.requests.length > 0) {
      throw new Error(`${name}: the audit changed something or called GitHub`)
    }
    const iam = count(
      aws.requests.filter((request) => request.service === 'iam').map((r) => `iam:${r.action}`)
    )
    const sts = aws.requests.filter((request) => request.service === 'sts').length
    const extra = differences(iam, AUDIT_MINIMUM_IAM)
    return {
      name,
      data: {
        users: thresholds.auditUsers,
        keys,
        wallMs: run.durationMs,
        iam: { observed: iam, minimum: AUDIT_MINIMUM_IAM, differences: extra },
        stsRequests: sts,
        summaryBytes: Buffer.byteLength(run.summary),
        evidenceBytes: Buffer.byteLength(run.evidenceText)
      },
      rows: [
        {
          measure: `${thresholds.auditUsers} users, ${keys} keys: wall time`,
          measured: ms(run.durationMs),
          target: `< ${thresholds.auditMs} ms`,
          met: run.durationMs < thresholds.auditMs
        },
        {
          measure: `IAM requests (+ ${sts} STS)`,
          measured: `${total(iam)}${extra.length ? `: ${extra.join('; ')}` : ` (${countsText(iam)})`}`,
          target: `= ${total(AUDIT_MINIMUM_IAM)}`,
          met: extra.length === 0
        }
      ]
    }
  } finally {
    await box.close()
  }
}
