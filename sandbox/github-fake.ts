/**
 * A local fake of the GitHub REST API (v3) for process-level tests and the demo.
 *
 * It speaks plain HTTP on 127.0.0.1 and answers the secrets, environments, repository and
 * workflow endpoints the action uses the way GitHub does: sealed-box secrets that must open with
 * the scope's current key, the token kinds and their permission errors, 404 for repositories a
 * token cannot see, `x-accepted-github-permissions`, `x-oauth-scopes`, rate-limit headers, the
 * secondary write limit, workflow dispatch (optionally returning the run id) and run polling.
 * Faults (status, body, delay, hang, "after success") can be injected per method and path.
 *
 * Requests are recorded (method, path, status, scope) without the token or the body.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import sodium from 'libsodium-wrappers'

export type Access = 'read' | 'write'

export interface TokenSpec {
  kind: 'pat-classic' | 'pat-fine-grained' | 'app' | 'github-token'
  /** Classic PAT scopes, e.g. ['repo', 'admin:org', 'workflow']. */
  scopes?: string[]
  permissions?: {
    secrets?: Access
    environments?: Access
    dependabot_secrets?: Access
    organization_secrets?: Access
    actions?: Access
    metadata?: Access
  }
  /** 'owner/repo' the token can see; undefined = all. */
  repositories?: string[]
}

export interface StoredSecret {
  name: string
  /** The opened plaintext. */
  value: string
  keyId: string
  createdAt: string
  updatedAt: string
  visibility?: 'all' | 'private' | 'selected'
  selectedRepositoryIds?: number[]
}

export interface GitHubRequestRecord {
  at: number
  method: string
  /** Without the path prefix, with the query string. */
  path: string
  /** 0 while unanswered (or never answered: `hang`). */
  status: number
  /** The secret scope the request addressed (secret and environment endpoints only). */
  scope?: string
}

export interface GitHubFault {
  method?: string
  /** Matched against the path without prefix (with and without query, raw and URL-decoded). */
  path: string | RegExp
  status?: number
  body?: unknown
  headers?: Record<string, string>
  /** Default 1. */
  times?: number
  delayMs?: number
  hang?: boolean
  /** Perform the request; if it succeeds (2xx) answer the fault instead of the real response. */
  afterSuccess?: boolean
  /** Perform and answer the request, then call crash() (e.g. SIGKILL the client). */
  crash?: () => void
}

export interface WorkflowRunContext {
  repository: string
  ref: string
  inputs: Record<string, string>
  runId: number
  /** Repo + org (visible to the repo) Actions secrets as they were when the run was queued. */
  secrets: Record<string, string>
  /** Read when called (as GitHub reads env secrets when a job starts); merged over `secrets`. */
  environmentSecrets(environment: string): Record<string, string>
}

export type WorkflowConclusion = 'success' | 'failure' | 'cancelled' | 'timed_out'

export interface WorkflowSpec {
  /** File name, e.g. 'aws-smoke.yml'. */
  file: string
  name?: string
  /** display_title; default: name. */
  runName?: (inputs: Record<string, string>) => string
  /** Default: success. A throwing handler concludes `failure`. */
  handler?: (ctx: WorkflowRunContext) => Promise<WorkflowConclusion>
  /** The workflow_dispatch inputs it declares; others → 422 "Unexpected inputs provided". Default: any. */
  inputs?: string[]
}

export interface FakeGitHubOptions {
  /** E.g. '/api/v3' to emulate GitHub Enterprise Server; requests outside it → 404. */
  pathPrefix?: string
  /** Added to every response. */
  latencyMs?: number
  /** Content-creating requests (POST/PUT/PATCH/DELETE) beyond `limit` in the window → 403. */
  secondaryWriteLimit?: { limit: number; windowMs: number; retryAfterSeconds?: number }
  /** Dispatch with return_run_details: 200 + body / 204 / 422. Default 'supported'. */
  returnRunDetails?: 'supported' | 'ignored' | 'rejected'
  /** Called when a dispatch was accepted, right after its run was queued (e.g. to race another run). */
  onDispatch?: (repository: string, workflow: string, inputs: Record<string, string>) => void
}

export interface FakeRun {
  id: number
  repository: string
  workflow: string
  ref: string
  inputs: Record<string, string>
  status: string
  conclusion: string | null
  htmlUrl: string
  createdAt: string
}

type PermissionName = keyof NonNullable<TokenSpec['permissions']>
type Visibility = 'all' | 'private' | 'selected'

interface EnvState {
  id: number
  name: string
  createdAt: string
}

interface WorkflowState {
  id: number
  spec: WorkflowSpec
  createdAt: string
  nextRunNumber: number
}

interface RepoState {
  id: number
  owner: string
  name: string
  fullName: string
  private: boolean
  defaultBranch: string
  createdAt: string
  environments: Map<string, EnvState>
  workflows: WorkflowState[]
}

interface OrgState {
  id: number
  login: string
}

interface KeyPair {
  keyId: string
  key: string
  publicKey: Uint8Array
  privateKey: Uint8Array
}

type ScopeKind = 'repo' | 'env' | 'org' | 'dependabot'

interface ScopeRef {
  kind: ScopeKind
  /** Case-insensitive map key. */
  key: string
  /** Canonical scope string (names as they were added). */
  canonical: string
  repo?: RepoState
  env?: EnvState
  org?: OrgState
}

interface RunState {
  id: number
  repo: RepoState
  workflow: WorkflowState
  ref: string
  headBranch: string
  inputs: Record<string, string>
  status: 'queued' | 'in_progress' | 'completed'
  conclusion: WorkflowConclusion | null
  runNumber: number
  displayTitle: string
  createdMs: number
  createdAt: string
  updatedAt: string
  runStartedAt: string
}

interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

interface Ctx {
  method: string
  pathname: string
  query: URLSearchParams
  requestId: string
  authorization: string | undefined
  bodyText: string
  record: GitHubRequestRecord
  headers: Record<string, string>
  token?: { value: string; spec: TokenSpec }
}

type Params = Record<string, string>
type Handler = (ctx: Ctx, params: Params) => Reply

interface Route {
  method: string
  segments: string[]
  handler: Handler
}

const DOCS = 'https://docs.github.com/rest'
const SECRETS_DOCS = 'https://docs.github.com/rest/actions/secrets'
const DEPENDABOT_DOCS = 'https://docs.github.com/rest/dependabot/secrets'
const WORKFLOW_DOCS = 'https://docs.github.com/rest/actions/workflows'
const RUN_DOCS = 'https://docs.github.com/rest/actions/workflow-runs'
const SECONDARY_DOCS =
  'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits'
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const RUN_TICK_MS = 20
const MAX_SECRET_BYTES = 48 * 1024
const MAX_BODY_BYTES = 1024 * 1024
const SECRET_PERMISSIONS: PermissionName[] = [
  'secrets',
  'environments',
  'dependabot_secrets',
  'organization_secrets'
]
const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Bad credentials',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  422: 'Validation Failed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout'
}

function isoNow(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function errorBody(message: string, documentationUrl: string, status: number): unknown {
  return { message, documentation_url: documentationUrl, status: String(status) }
}

function invalid(detail: string, documentationUrl: string): Reply {
  return { status: 422, body: errorBody(`Invalid request.\n\n${detail}`, documentationUrl, 422) }
}

function notFound(documentationUrl = DOCS): Reply {
  return { status: 404, body: errorBody('Not Found', documentationUrl, 404) }
}

function nodeId(kind: string, id: number): string {
  return Buffer.from(`0:${kind}${id}`).toString('base64').replace(/=+$/, '')
}

function normalizePrefix(prefix: string | undefined): string {
  if (!prefix) return ''
  let p = prefix.startsWith('/') ? prefix : `/${prefix}`
  while (p.endsWith('/')) p = p.slice(0, -1)
  return p
}

function splitFullName(fullName: string): [string, string] {
  const parts = fullName.split('/')
  const [owner, name] = parts
  if (parts.length !== 2 || !owner || !name) {
    throw new Error(`FakeGitHub: expected 'owner/repo', got '${fullName}'`)
  }
  return [owner, name]
}

function isBase64(value: string): boolean {
  return value.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(value)
}

function secretNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z0-9_]+$/.test(name)) {
    return 'Secret names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_). Spaces are not allowed.'
  }
  if (/^[0-9]/.test(name)) return 'Secret names must not start with a number.'
  if (/^GITHUB_/i.test(name)) return 'Secret names must not start with the GITHUB_ prefix.'
  return undefined
}

/** Parses one bound of a `created` qualifier into epoch ms; date-only values cover the day. */
function parseBound(raw: string, edge: 'start' | 'end'): number | undefined {
  const value = raw.trim().replace(/ (\d{2}:?\d{2})$/, '+$1')
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = Date.parse(`${value}T00:00:00Z`)
    if (Number.isNaN(start)) return undefined
    return edge === 'start' ? start : start + 86_399_999
  }
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? undefined : ms
}

/** GitHub search `created` qualifier, compared at whole-second precision. */
function createdFilter(raw: string): ((createdMs: number) => boolean) | undefined {
  const sec = (ms: number): number => Math.floor(ms / 1000)
  const op = /^(>=|<=|>|<)(.+)$/.exec(raw)
  if (op) {
    const [, operator, rest] = op
    if (!operator || !rest) return undefined
    const bound = parseBound(rest, operator.startsWith('>') ? 'start' : 'end')
    if (bound === undefined) return undefined
    const b = sec(bound)
    switch (operator) {
      case '>=':
        return (ms) => sec(ms) >= b
      case '>':
        return (ms) => sec(ms) > b
      case '<=':
        return (ms) => sec(ms) <= b
      default:
        return (ms) => sec(ms) < b
    }
  }
  const range = /^(.+)\.\.(.+)$/.exec(raw)
  if (range) {
    const [, from, to] = range
    if (!from || !to) return undefined
    const lo = from === '*' ? -Infinity : parseBound(from, 'start')
    const hi = to === '*' ? Infinity : parseBound(to, 'end')
    if (lo === undefined || hi === undefined) return undefined
    return (ms) => sec(ms) >= Math.floor(lo / 1000) && sec(ms) <= Math.floor(hi / 1000)
  }
  const lo = parseBound(raw, 'start')
  const hi = parseBound(raw, 'end')
  if (lo === undefined || hi === undefined) return undefined
  return (ms) => sec(ms) >= sec(lo) && sec(ms) <= sec(hi)
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
    size += buf.length
    if (size <= MAX_BODY_BYTES) chunks.push(buf)
  }
  return Buffer.concat(chunks).toString('utf8')
}

export class FakeGitHub {
  /** API base including the prefix, e.g. 'http://127.0.0.1:PORT/api/v3'. */
  readonly url: string
  readonly requests: GitHubRequestRecord[] = []

  private readonly server: Server
  private readonly origin: string
  private readonly prefix: string
  private readonly options: FakeGitHubOptions
  private readonly tokens = new Map<string, TokenSpec>()
  private readonly rate = new Map<string, { used: number; resetAt: number }>()
  private readonly repos = new Map<string, RepoState>()
  private readonly orgs = new Map<string, OrgState>()
  private readonly keys = new Map<string, KeyPair>()
  private readonly store = new Map<string, Map<string, StoredSecret>>()
  private readonly runList: RunState[] = []
  private readonly faults: Array<GitHubFault & { remaining: number }> = []
  private readonly writeWindow: number[] = []
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly routes: Route[]
  private nextId = 100_001
  private nextRunId = 9_000_000_001
  private closed = false

  private constructor(server: Server, port: number, options: FakeGitHubOptions) {
    this.server = server
    this.options = options
    this.prefix = normalizePrefix(options.pathPrefix)
    this.origin = `http://127.0.0.1:${port}`
    this.url = `${this.origin}${this.prefix}`
    this.routes = this.buildRoutes()
  }

  static async start(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
    await sodium.ready
    const holder: { fake?: FakeGitHub } = {}
    const server = createServer((req, res) => {
      if (holder.fake) {
        void holder.fake.handle(req, res)
      } else {
        res.statusCode = 503
        res.end()
      }
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
    const { port } = server.address() as AddressInfo
    const fake = new FakeGitHub(server, port, options)
    holder.fake = fake
    return fake
  }

  // ───────────────────────────── seeding and inspection ─────────────────────────────

  addToken(token: string, spec: TokenSpec): void {
    this.tokens.set(token, structuredClone(spec))
  }

  addRepo(
    fullName: string,
    opts: {
      defaultBranch?: string
      private?: boolean
      environments?: string[]
      workflows?: WorkflowSpec[]
    } = {}
  ): { id: number } {
    const [owner, name] = splitFullName(fullName)
    const key = fullName.toLowerCase()
    if (this.repos.has(key)) throw new Error(`FakeGitHub: repository ${fullName} already exists`)
    const repo: RepoState = {
      id: this.nextId++,
      owner,
      name,
      fullName,
      private: opts.private ?? false,
      defaultBranch: opts.defaultBranch ?? 'main',
      createdAt: isoNow(),
      environments: new Map(),
      workflows: []
    }
    this.repos.set(key, repo)
    for (const env of opts.environments ?? []) this.addEnvironment(fullName, env)
    for (const wf of opts.workflows ?? []) this.addWorkflow(fullName, wf)
    return { id: repo.id }
  }

  addEnvironment(fullName: string, environment: string): void {
    const repo = this.requireRepo(fullName)
    if (!environment) throw new Error('FakeGitHub: environment name must not be empty')
    const key = environment.toLowerCase()
    if (repo.environments.has(key)) return
    repo.environments.set(key, { id: this.nextId++, name: environment, createdAt: isoNow() })
  }

  addWorkflow(fullName: string, spec: WorkflowSpec): void {
    const repo = this.requireRepo(fullName)
    if (repo.workflows.some((w) => w.spec.file === spec.file)) {
      throw new Error(`FakeGitHub: workflow ${spec.file} already exists in ${fullName}`)
    }
    repo.workflows.push({ id: this.nextId++, spec, createdAt: isoNow(), nextRunNumber: 1 })
  }

  addOrg(org: string): void {
    const key = org.toLowerCase()
    if (!this.orgs.has(key)) this.orgs.set(key, { id: this.nextId++, login: org })
  }

  setSecret(
    scope: string,
    name: string,
    value: string,
    opts: { visibility?: Visibility; selectedRepositoryIds?: number[] } = {}
  ): void {
    const ref = this.resolveScope(scope)
    const problem = secretNameProblem(name)
    if (problem) throw new Error(`FakeGitHub: ${problem}`)
    const org =
      ref.kind === 'org'
        ? {
            visibility: opts.visibility ?? 'all',
            ...(opts.visibility === 'selected'
              ? { selectedRepositoryIds: [...(opts.selectedRepositoryIds ?? [])] }
              : {})
          }
        : undefined
    this.writeSecret(ref, name, value, this.keyPair(ref).keyId, org)
  }

  secret(scope: string, name: string): StoredSecret | undefined {
    const found = this.store.get(this.resolveScope(scope).key)?.get(name.toUpperCase())
    return found ? structuredClone(found) : undefined
  }

  secrets(scope: string): StoredSecret[] {
    const map = this.store.get(this.resolveScope(scope).key)
    if (!map) return []
    return [...map.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((s) => structuredClone(s))
  }

  /** Base64 (ORIGINAL) 32-byte X25519 key; one keypair per scope, created lazily. */
  publicKey(scope: string): { keyId: string; key: string } {
    const pair = this.keyPair(this.resolveScope(scope))
    return { keyId: pair.keyId, key: pair.key }
  }

  rotatePublicKey(scope: string): void {
    const ref = this.resolveScope(scope)
    const old = this.keys.get(ref.key)
    let pair = this.newKeyPair()
    while (old && pair.keyId === old.keyId) pair = this.newKeyPair()
    this.keys.set(ref.key, pair)
  }

  injectFault(fault: GitHubFault): void {
    this.faults.push({ ...fault, remaining: fault.times ?? 1 })
  }

  clearFaults(): void {
    this.faults.length = 0
  }

  /** POST/PUT/PATCH/DELETE requests. */
  writes(): GitHubRequestRecord[] {
    return this.requests.filter((r) => WRITE_METHODS.has(r.method))
  }

  runs(fullName?: string): FakeRun[] {
    const key = fullName?.toLowerCase()
    return this.runList
      .filter((run) => key === undefined || run.repo.fullName.toLowerCase() === key)
      .map((run) => ({
        id: run.id,
        repository: run.repo.fullName,
        workflow: run.workflow.spec.file,
        ref: run.ref,
        inputs: { ...run.inputs },
        status: run.status,
        conclusion: run.conclusion,
        htmlUrl: this.runHtmlUrl(run),
        createdAt: run.createdAt
      }))
  }

  /** Starts a run as if someone else dispatched the workflow (on the default branch). */
  startRun(fullName: string, file: string, inputs: Record<string, string> = {}): number {
    const repo = this.requireRepo(fullName)
    const workflow = repo.workflows.find((candidate) => candidate.spec.file === file)
    if (!workflow) throw new Error(`FakeGitHub: no workflow ${file} in ${fullName}`)
    return this.queueRun(repo, workflow, repo.defaultBranch, repo.defaultBranch, { ...inputs }).id
  }

  /** Moves every stored time `ms` into the past, as if that much time had passed. */
  timeTravel(ms: number): void {
    const back = (iso: string): string => isoNow(Date.parse(iso) - ms)
    for (const scope of this.store.values()) {
      for (const secret of scope.values()) {
        secret.createdAt = back(secret.createdAt)
        secret.updatedAt = back(secret.updatedAt)
      }
    }
    for (const run of this.runList) {
      run.createdMs -= ms
      run.createdAt = back(run.createdAt)
      run.updatedAt = back(run.updatedAt)
    }
  }

  /** Extra helper: resolves once every dispatched run has completed. */
  async waitForRuns(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!this.closed && this.runList.some((r) => r.status !== 'completed')) {
      if (Date.now() > deadline) throw new Error('FakeGitHub: runs did not complete in time')
      await sleep(5)
    }
  }

  /** Stops listening and destroys every open (including hung) connection. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.server.closeAllConnections()
    await done
  }

  // ───────────────────────────── state helpers ─────────────────────────────

  private requireRepo(fullName: string): RepoState {
    const repo = this.repos.get(fullName.toLowerCase())
    if (!repo) throw new Error(`FakeGitHub: unknown repository ${fullName} (call addRepo first)`)
    return repo
  }

  private resolveScope(scope: string): ScopeRef {
    const colon = scope.indexOf(':')
    const kind = scope.slice(0, colon)
    const rest = scope.slice(colon + 1)
    if (colon < 0) throw new Error(`FakeGitHub: bad scope '${scope}'`)
    if (kind === 'org') {
      const org = this.orgs.get(rest.toLowerCase())
      if (!org) throw new Error(`FakeGitHub: unknown organization ${rest} (call addOrg first)`)
      return this.orgScope(org)
    }
    if (kind === 'repo' || kind === 'dependabot') {
      return this.repoScope(kind, this.requireRepo(rest))
    }
    if (kind === 'env') {
      const parts = rest.split('/')
      const environment = parts.slice(2).join('/')
      const repo = this.requireRepo(parts.slice(0, 2).join('/'))
      const env = repo.environments.get(environment.toLowerCase())
      if (!env)
        throw new Error(`FakeGitHub: unknown environment '${environment}' in ${repo.fullName}`)
      return this.envScope(repo, env)
    }
    throw new Error(`FakeGitHub: bad scope '${scope}' (repo:, env:, org: or dependabot:)`)
  }

  private repoScope(kind: 'repo' | 'dependabot', repo: RepoState): ScopeRef {
    return {
      kind,
      key: `${kind}:${repo.fullName.toLowerCase()}`,
      canonical: `${kind}:${repo.fullName}`,
      repo
    }
  }

  private envScope(repo: RepoState, env: EnvState): ScopeRef {
    return {
      kind: 'env',
      key: `env:${repo.fullName.toLowerCase()}/${env.name.toLowerCase()}`,
      canonical: `env:${repo.fullName}/${env.name}`,
      repo,
      env
    }
  }

  private orgScope(org: OrgState): ScopeRef {
    return {
      kind: 'org',
      key: `org:${org.login.toLowerCase()}`,
      canonical: `org:${org.login}`,
      org
    }
  }

  private newKeyPair(): KeyPair {
    const pair = sodium.crypto_box_keypair()
    return {
      keyId: `${randomInt(100_000_000, 999_999_999)}${randomInt(100_000_000, 999_999_999)}`,
      key: sodium.to_base64(pair.publicKey, sodium.base64_variants.ORIGINAL),
      publicKey: pair.publicKey,
      privateKey: pair.privateKey
    }
  }

  private keyPair(ref: ScopeRef): KeyPair {
    let pair = this.keys.get(ref.key)
    if (!pair) {
      pair = this.newKeyPair()
      this.keys.set(ref.key, pair)
    }
    return pair
  }

  /** Returns true when the secret was created, false when updated. */
  private writeSecret(
    ref: ScopeRef,
    name: string,
    value: string | undefined,
    keyId: string | undefined,
    org?: { visibility: Visibility; selectedRepositoryIds?: number[] }
  ): boolean {
    let map = this.store.get(ref.key)
    if (!map) {
      map = new Map()
      this.store.set(ref.key, map)
    }
    const upper = name.toUpperCase()
    const existing = map.get(upper)
    const now = isoNow()
    const next: StoredSecret = {
      name: upper,
      value: value ?? existing?.value ?? '',
      keyId: keyId ?? existing?.keyId ?? '',
      createdAt: existing?.createdAt ?? now,
      updatedAt: now
    }
    if (org) {
      next.visibility = org.visibility
      if (org.selectedRepositoryIds) next.selectedRepositoryIds = org.selectedRepositoryIds
    }
    map.set(upper, next)
    return existing === undefined
  }

  /** Repo + visible org Actions secrets (repo wins), as a workflow run would see them. */
  private actionsSecretsFor(repo: RepoState): Record<string, string> {
    const out: Record<string, string> = {}
    const org = this.orgs.get(repo.owner.toLowerCase())
    if (org) {
      for (const s of this.store.get(this.orgScope(org).key)?.values() ?? []) {
        const visible =
          s.visibility === 'all' ||
          (s.visibility === 'private' && repo.private) ||
          (s.visibility === 'selected' && (s.selectedRepositoryIds ?? []).includes(repo.id))
        if (visible) out[s.name] = s.value
      }
    }
    for (const s of this.store.get(this.repoScope('repo', repo).key)?.values() ?? []) {
      out[s.name] = s.value
    }
    return out
  }

  private runHtmlUrl(run: RunState): string {
    return `${this.origin}/${run.repo.fullName}/actions/runs/${run.id}`
  }

  // ───────────────────────────── HTTP plumbing ─────────────────────────────

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase()
    const rawUrl = req.url ?? '/'
    const q = rawUrl.indexOf('?')
    const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q)
    const search = q === -1 ? '' : rawUrl.slice(q)
    let inside = true
    let pathname = rawPath
    if (this.prefix) {
      if (rawPath === this.prefix || rawPath.startsWith(`${this.prefix}/`)) {
        pathname = rawPath.slice(this.prefix.length) || '/'
      } else {
        inside = false
      }
    }
    const record: GitHubRequestRecord = {
      at: Date.now(),
      method,
      path: pathname + search,
      status: 0
    }
    this.requests.push(record)
    const ctx: Ctx = {
      method,
      pathname,
      query: new URLSearchParams(search),
      requestId: this.requestId(),
      authorization: req.headers.authorization,
      bodyText: '',
      record,
      headers: {}
    }
    try {
      ctx.bodyText = await readBody(req)
      let reply: Reply | 'hang'
      if (!inside) {
        reply = notFound()
      } else {
        const fault = this.matchFault(method, record.path, pathname)
        if (fault?.crash) {
          // The call happens and is answered; then the client dies, before it can go on.
          this.consumeFault(fault)
          const done = this.process(ctx)
          record.status = done.status
          if (this.options.latencyMs) await sleep(this.options.latencyMs)
          res.on('finish', () => fault.crash?.())
          this.send(ctx, res, done)
          return
        }
        if (fault && !fault.afterSuccess) {
          this.consumeFault(fault)
          reply = await this.faultReply(fault)
        } else {
          reply = this.process(ctx)
          const ok = reply.status >= 200 && reply.status < 300
          if (fault && ok && fault.remaining > 0) {
            this.consumeFault(fault)
            reply = await this.faultReply(fault)
          }
        }
      }
      if (reply === 'hang' || this.closed) return
      record.status = reply.status
      if (this.options.latencyMs) await sleep(this.options.latencyMs)
      this.send(ctx, res, reply)
    } catch (error) {
      record.status = 500
      const message = error instanceof Error ? error.message : String(error)
      this.send(ctx, res, { status: 500, body: errorBody(`Fake error: ${message}`, DOCS, 500) })
    }
  }

  private requestId(): string {
    const hex = randomBytes(10).toString('hex').toUpperCase()
    return `${hex.slice(0, 4)}:${hex.slice(4, 8)}:${hex.slice(8, 14)}:${hex.slice(14, 20)}`
  }

  private matchFault(
    method: string,
    pathWithQuery: string,
    pathname: string
  ): (GitHubFault & { remaining: number }) | undefined {
    let decoded = pathname
    try {
      decoded = decodeURIComponent(pathname)
    } catch {
      // keep raw
    }
    const search = pathWithQuery.slice(pathname.length)
    const candidates = [pathWithQuery, pathname, decoded + search, decoded]
    return this.faults.find((f) => {
      if (f.remaining <= 0) return false
      if (f.method && f.method.toUpperCase() !== method) return false
      return candidates.some((c) => {
        if (typeof f.path === 'string') return f.path === c
        f.path.lastIndex = 0
        return f.path.test(c)
      })
    })
  }

  private consumeFault(fault: GitHubFault & { remaining: number }): void {
    fault.remaining -= 1
    if (fault.remaining <= 0) {
      const index = this.faults.indexOf(fault)
      if (index >= 0) this.faults.splice(index, 1)
    }
  }

  private async faultReply(fault: GitHubFault): Promise<Reply | 'hang'> {
    if (fault.delayMs) await sleep(fault.delayMs)
    if (fault.hang) return 'hang'
    const status = fault.status ?? 500
    const body =
      fault.body !== undefined
        ? fault.body
        : errorBody(STATUS_TEXT[status] ?? 'Fault injected', DOCS, status)
    return { status, body, headers: { ...(fault.headers ?? {}) } }
  }

  private send(ctx: Ctx, res: ServerResponse, reply: Reply): void {
    if (res.destroyed || res.writableEnded) return
    const headers: Record<string, string> = {
      'x-github-request-id': ctx.requestId,
      'x-github-media-type': 'github.v3; format=json',
      'x-github-api-version-selected': '2022-11-28',
      ...this.rateHeaders(ctx),
      ...ctx.headers,
      ...(reply.headers ?? {})
    }
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
    let payload: string | undefined
    if (reply.status !== 204 && reply.status !== 304 && reply.body !== undefined) {
      if (typeof reply.body === 'string') {
        payload = reply.body
        lower['content-type'] ??= 'text/plain; charset=utf-8'
      } else {
        payload = JSON.stringify(reply.body)
        lower['content-type'] ??= 'application/json; charset=utf-8'
      }
    }
    if (payload !== undefined) lower['content-length'] = String(Buffer.byteLength(payload))
    res.writeHead(reply.status, lower)
    res.end(payload)
  }

  private rateHeaders(ctx: Ctx): Record<string, string> {
    const now = Date.now()
    const key = ctx.token?.value ?? ''
    const limit = !ctx.token ? 60 : ctx.token.spec.kind === 'github-token' ? 1000 : 5000
    let state = this.rate.get(key)
    if (!state || state.resetAt <= now) {
      state = { used: 0, resetAt: now + 3_600_000 }
      this.rate.set(key, state)
    }
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - state.used)),
      'x-ratelimit-used': String(state.used),
      'x-ratelimit-reset': String(Math.floor(state.resetAt / 1000)),
      'x-ratelimit-resource': 'core'
    }
  }

  private process(ctx: Ctx): Reply {
    const match = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(ctx.authorization ?? '')
    const value = match?.[1]
    const spec = value === undefined ? undefined : this.tokens.get(value)
    if (value === undefined || !spec) {
      return { status: 401, body: errorBody('Bad credentials', DOCS, 401) }
    }
    ctx.token = { value, spec }
    const rate = this.rate.get(value)
    if (rate) rate.used += 1
    else this.rate.set(value, { used: 1, resetAt: Date.now() + 3_600_000 })
    if (spec.kind === 'pat-classic') ctx.headers['x-oauth-scopes'] = (spec.scopes ?? []).join(', ')

    const limited = this.secondaryLimit(ctx)
    if (limited) return limited

    let segments: string[]
    try {
      segments = ctx.pathname
        .split('/')
        .slice(1)
        .map((s) => decodeURIComponent(s))
    } catch {
      return notFound()
    }
    for (const route of this.routes) {
      if (route.method !== ctx.method || route.segments.length !== segments.length) continue
      const params: Params = {}
      let ok = true
      route.segments.forEach((pattern, i) => {
        const actual = segments[i] ?? ''
        if (pattern.startsWith(':')) {
          if (actual === '') ok = false
          params[pattern.slice(1)] = actual
        } else if (pattern !== actual) {
          ok = false
        }
      })
      if (ok) return route.handler(ctx, params)
    }
    return notFound()
  }

  private secondaryLimit(ctx: Ctx): Reply | undefined {
    const cfg = this.options.secondaryWriteLimit
    if (!cfg || !WRITE_METHODS.has(ctx.method)) return undefined
    const now = Date.now()
    while (this.writeWindow.length > 0 && (this.writeWindow[0] ?? 0) <= now - cfg.windowMs) {
      this.writeWindow.shift()
    }
    if (this.writeWindow.length < cfg.limit) {
      this.writeWindow.push(now)
      return undefined
    }
    const oldest = this.writeWindow[0] ?? now
    const retryAfter =
      cfg.retryAfterSeconds ?? Math.max(1, Math.ceil((oldest + cfg.windowMs - now) / 1000))
    const stamp = new Date(now)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d{3}Z$/, ' UTC')
    const message =
      'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
      'If you reach out to GitHub Support for help, please include the request ID ' +
      `${ctx.requestId} and timestamp ${stamp}.`
    return {
      status: 403,
      body: errorBody(message, SECONDARY_DOCS, 403),
      headers: { 'retry-after': String(retryAfter) }
    }
  }

  // ───────────────────────────── access control ─────────────────────────────

  /**
   * Token can see the target and holds `perm` at `level`. Classic PATs need `classicScope`
   * (and `repo` to see a private repository at all).
   */
  private guard(
    ctx: Ctx,
    target: { repo: RepoState } | { org: OrgState },
    perm: PermissionName,
    level: Access,
    doc: string,
    classicScope?: 'repo' | 'admin:org'
  ): Reply | undefined {
    const token = ctx.token
    if (!token) return { status: 401, body: errorBody('Bad credentials', DOCS, 401) }
    const spec = token.spec
    ctx.headers['x-accepted-github-permissions'] = `${perm}=${level}`
    if (classicScope) ctx.headers['x-accepted-oauth-scopes'] = classicScope
    const scopes = spec.scopes ?? []
    const allowedRepos = spec.repositories?.map((r) => r.toLowerCase())

    if ('repo' in target) {
      if (allowedRepos && !allowedRepos.includes(target.repo.fullName.toLowerCase())) {
        return notFound(doc)
      }
      if (spec.kind === 'pat-classic' && target.repo.private && !scopes.includes('repo')) {
        return notFound(doc)
      }
    } else if (allowedRepos && spec.kind !== 'pat-classic') {
      const owner = target.org.login.toLowerCase()
      if (!allowedRepos.some((r) => r.startsWith(`${owner}/`))) return notFound(doc)
    }

    if (spec.kind === 'pat-classic') {
      if (classicScope && !scopes.includes(classicScope)) {
        const what = classicScope === 'admin:org' ? 'Organization' : 'Repository'
        return { status: 403, body: errorBody(`Must have admin rights to ${what}.`, doc, 403) }
      }
      return undefined
    }

    const granted = perm === 'metadata' ? 'read' : this.effectivePermission(spec, perm)
    if (granted === 'write' || (granted === 'read' && level === 'read')) return undefined
    const message =
      spec.kind === 'pat-fine-grained'
        ? 'Resource not accessible by personal access token'
        : 'Resource not accessible by integration'
    return { status: 403, body: errorBody(message, doc, 403) }
  }

  private effectivePermission(spec: TokenSpec, perm: PermissionName): Access | undefined {
    if (spec.kind === 'github-token' && SECRET_PERMISSIONS.includes(perm)) return undefined
    return spec.permissions?.[perm]
  }

  private findRepo(params: Params): RepoState | undefined {
    return this.repos.get(`${params['owner'] ?? ''}/${params['repo'] ?? ''}`.toLowerCase())
  }

  private parseBody(ctx: Ctx, doc: string): { value: Record<string, unknown> } | { reply: Reply } {
    if (ctx.bodyText.trim() === '') return { value: {} }
    let parsed: unknown
    try {
      parsed = JSON.parse(ctx.bodyText)
    } catch {
      return { reply: { status: 400, body: errorBody('Problems parsing JSON', doc, 400) } }
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return { reply: invalid(`For 'links/0/schema', ${ctx.bodyText} is not an object.`, doc) }
    }
    return { value: parsed as Record<string, unknown> }
  }

  // ───────────────────────────── routes ─────────────────────────────

  private buildRoutes(): Route[] {
    const routes: Route[] = []
    const add = (method: string, path: string, handler: Handler): void => {
      routes.push({ method, segments: path.split('/').slice(1), handler })
    }
    const R = '/repos/:owner/:repo'

    add('GET', R, (ctx, p) => this.getRepo(ctx, p))

    // repository Actions secrets
    const repoSecrets = (ctx: Ctx, p: Params, level: Access, doc: string): ScopeRef | Reply => {
      const repo = this.findRepo(p)
      if (!repo) return notFound(doc)
      ctx.record.scope = this.repoScope('repo', repo).canonical
      const denied = this.guard(ctx, { repo }, 'secrets', level, doc, 'repo')
      if (denied) return denied
      return this.repoScope('repo', repo)
    }
    add('GET', `${R}/actions/secrets/public-key`, (ctx, p) =>
      this.withScope(
        ctx,
        repoSecrets(ctx, p, 'read', `${SECRETS_DOCS}#get-a-repository-public-key`),
        (s) => this.publicKeyReply(s)
      )
    )
    add('GET', `${R}/actions/secrets`, (ctx, p) =>
      this.withScope(
        ctx,
        repoSecrets(ctx, p, 'read', `${SECRETS_DOCS}#list-repository-secrets`),
        (s) => this.listSecretsReply(ctx, s)
      )
    )
    add('GET', `${R}/actions/secrets/:name`, (ctx, p) => {
      const doc = `${SECRETS_DOCS}#get-a-repository-secret`
      return this.withScope(ctx, repoSecrets(ctx, p, 'read', doc), (s) =>
        this.getSecretReply(s, p['name'] ?? '', doc)
      )
    })
    add('PUT', `${R}/actions/secrets/:name`, (ctx, p) => {
      const doc = `${SECRETS_DOCS}#create-or-update-a-repository-secret`
      return this.withScope(ctx, repoSecrets(ctx, p, 'write', doc), (s) =>
        this.putSecret(ctx, s, p['name'] ?? '', doc)
      )
    })

    // environments and environment secrets
    const envScope = (
      ctx: Ctx,
      p: Params,
      perm: PermissionName,
      level: Access,
      doc: string
    ): ScopeRef | Reply => {
      const repo = this.findRepo(p)
      if (!repo) return notFound(doc)
      const env = repo.environments.get((p['env'] ?? '').toLowerCase())
      if (env) ctx.record.scope = this.envScope(repo, env).canonical
      const denied = this.guard(
        ctx,
        { repo },
        perm,
        level,
        doc,
        perm === 'metadata' ? undefined : 'repo'
      )
      if (denied) return denied
      if (!env) return notFound(doc)
      return this.envScope(repo, env)
    }
    const ENV_DOCS = 'https://docs.github.com/rest/deployments/environments#get-an-environment'
    add('GET', `${R}/environments/:env`, (ctx, p) =>
      this.withScope(ctx, envScope(ctx, p, 'metadata', 'read', ENV_DOCS), (s) => ({
        status: 200,
        body: this.environmentJson(s)
      }))
    )
    add('GET', `${R}/environments/:env/secrets/public-key`, (ctx, p) => {
      const doc = `${SECRETS_DOCS}#get-an-environment-public-key`
      return this.withScope(ctx, envScope(ctx, p, 'environments', 'read', doc), (s) =>
        this.publicKeyReply(s)
      )
    })
    add('GET', `${R}/environments/:env/secrets`, (ctx, p) => {
      const doc = `${SECRETS_DOCS}#list-environment-secrets`
      return this.withScope(ctx, envScope(ctx, p, 'environments', 'read', doc), (s) =>
        this.listSecretsReply(ctx, s)
      )
    })
    add('GET', `${R}/environments/:env/secrets/:name`, (ctx, p) => {
      const doc = `${SECRETS_DOCS}#get-an-environment-secret`
      return this.withScope(ctx, envScope(ctx, p, 'environments', 'read', doc), (s) =>
        this.getSecretReply(s, p['name'] ?? '', doc)
      )
    })
    add('PUT', `${R}/environments/:env/secrets/:name`, (ctx, p) => {
      const doc = `${SECRETS_DOCS}#create-or-update-an-environment-secret`
      return this.withScope(ctx, envScope(ctx, p, 'environments', 'write', doc), (s) =>
        this.putSecret(ctx, s, p['name'] ?? '', doc)
      )
    })

    // Dependabot repository secrets
    const depScope = (ctx: Ctx, p: Params, level: Access, doc: string): ScopeRef | Reply => {
      const repo = this.findRepo(p)
      if (!repo) return notFound(doc)
      ctx.record.scope = this.repoScope('dependabot', repo).canonical
      const denied = this.guard(ctx, { repo }, 'dependabot_secrets', level, doc, 'repo')
      if (denied) return denied
      return this.repoScope('dependabot', repo)
    }
    add('GET', `${R}/dependabot/secrets/public-key`, (ctx, p) =>
      this.withScope(
        ctx,
        depScope(ctx, p, 'read', `${DEPENDABOT_DOCS}#get-a-repository-public-key`),
        (s) => this.publicKeyReply(s)
      )
    )
    add('GET', `${R}/dependabot/secrets`, (ctx, p) =>
      this.withScope(
        ctx,
        depScope(ctx, p, 'read', `${DEPENDABOT_DOCS}#list-repository-secrets`),
        (s) => this.listSecretsReply(ctx, s)
      )
    )
    add('GET', `${R}/dependabot/secrets/:name`, (ctx, p) => {
      const doc = `${DEPENDABOT_DOCS}#get-a-repository-secret`
      return this.withScope(ctx, depScope(ctx, p, 'read', doc), (s) =>
        this.getSecretReply(s, p['name'] ?? '', doc)
      )
    })
    add('PUT', `${R}/dependabot/secrets/:name`, (ctx, p) => {
      const doc = `${DEPENDABOT_DOCS}#create-or-update-a-repository-secret`
      return this.withScope(ctx, depScope(ctx, p, 'write', doc), (s) =>
        this.putSecret(ctx, s, p['name'] ?? '', doc)
      )
    })

    // organization Actions secrets
    const orgScope = (ctx: Ctx, p: Params, level: Access, doc: string): ScopeRef | Reply => {
      const org = this.orgs.get((p['org'] ?? '').toLowerCase())
      if (!org) return notFound(doc)
      ctx.record.scope = this.orgScope(org).canonical
      const denied = this.guard(ctx, { org }, 'organization_secrets', level, doc, 'admin:org')
      if (denied) return denied
      return this.orgScope(org)
    }
    const O = '/orgs/:org/actions/secrets'
    add('GET', `${O}/public-key`, (ctx, p) =>
      this.withScope(
        ctx,
        orgScope(ctx, p, 'read', `${SECRETS_DOCS}#get-an-organization-public-key`),
        (s) => this.publicKeyReply(s)
      )
    )
    add('GET', O, (ctx, p) =>
      this.withScope(
        ctx,
        orgScope(ctx, p, 'read', `${SECRETS_DOCS}#list-organization-secrets`),
        (s) => this.listSecretsReply(ctx, s)
      )
    )
    add('GET', `${O}/:name`, (ctx, p) => {
      const doc = `${SECRETS_DOCS}#get-an-organization-secret`
      return this.withScope(ctx, orgScope(ctx, p, 'read', doc), (s) =>
        this.getSecretReply(s, p['name'] ?? '', doc)
      )
    })
    add('GET', `${O}/:name/repositories`, (ctx, p) => {
      const doc = `${SECRETS_DOCS}#list-selected-repositories-for-an-organization-secret`
      return this.withScope(ctx, orgScope(ctx, p, 'read', doc), (s) =>
        this.selectedReposReply(s, p['name'] ?? '', doc)
      )
    })
    add('PUT', `${O}/:name`, (ctx, p) => {
      const doc = `${SECRETS_DOCS}#create-or-update-an-organization-secret`
      return this.withScope(ctx, orgScope(ctx, p, 'write', doc), (s) =>
        this.putSecret(ctx, s, p['name'] ?? '', doc)
      )
    })

    // workflows and runs
    const W = `${R}/actions/workflows/:workflow`
    add('GET', W, (ctx, p) => this.getWorkflow(ctx, p))
    add('POST', `${W}/dispatches`, (ctx, p) => this.dispatch(ctx, p))
    add('GET', `${W}/runs`, (ctx, p) => this.listRuns(ctx, p))
    add('GET', `${R}/actions/runs/:run`, (ctx, p) => this.getRun(ctx, p))
    return routes
  }

  private withScope(ctx: Ctx, scope: ScopeRef | Reply, then: (scope: ScopeRef) => Reply): Reply {
    if ('status' in scope) return scope
    ctx.record.scope = scope.canonical
    return then(scope)
  }

  private publicKeyReply(scope: ScopeRef): Reply {
    const pair = this.keyPair(scope)
    return { status: 200, body: { key_id: pair.keyId, key: pair.key } }
  }

  private secretJson(scope: ScopeRef, s: StoredSecret): Record<string, unknown> {
    const out: Record<string, unknown> = {
      name: s.name,
      created_at: s.createdAt,
      updated_at: s.updatedAt
    }
    if (scope.kind === 'org' && scope.org) {
      out['visibility'] = s.visibility ?? 'all'
      if (s.visibility === 'selected') {
        out['selected_repositories_url'] =
          `${this.url}/orgs/${scope.org.login}/actions/secrets/${s.name}/repositories`
      }
    }
    return out
  }

  private listSecretsReply(ctx: Ctx, scope: ScopeRef): Reply {
    const all = [...(this.store.get(scope.key)?.values() ?? [])].sort((a, b) =>
      a.name.localeCompare(b.name)
    )
    const perPage = Math.min(100, Math.max(1, Number(ctx.query.get('per_page') ?? 30) || 30))
    const page = Math.max(1, Number(ctx.query.get('page') ?? 1) || 1)
    const slice = all.slice((page - 1) * perPage, page * perPage)
    return {
      status: 200,
      body: { total_count: all.length, secrets: slice.map((s) => this.secretJson(scope, s)) }
    }
  }

  private getSecretReply(scope: ScopeRef, name: string, doc: string): Reply {
    const found = this.store.get(scope.key)?.get(name.toUpperCase())
    if (!found) return notFound(doc)
    return { status: 200, body: this.secretJson(scope, found) }
  }

  private selectedReposReply(scope: ScopeRef, name: string, doc: string): Reply {
    const found = this.store.get(scope.key)?.get(name.toUpperCase())
    if (!found) return notFound(doc)
    if (found.visibility !== 'selected') {
      return {
        status: 409,
        body: errorBody("The secret's visibility is not set to 'selected'.", doc, 409)
      }
    }
    const byId = new Map([...this.repos.values()].map((r) => [r.id, r]))
    const repos = (found.selectedRepositoryIds ?? [])
      .map((id) => byId.get(id))
      .filter((r): r is RepoState => r !== undefined)
    return {
      status: 200,
      body: { total_count: repos.length, repositories: repos.map((r) => this.repoJson(r)) }
    }
  }

  private putSecret(ctx: Ctx, scope: ScopeRef, name: string, doc: string): Reply {
    const parsed = this.parseBody(ctx, doc)
    if ('reply' in parsed) return parsed.reply
    const body = parsed.value
    const problem = secretNameProblem(name)
    if (problem) return invalid(problem, doc)

    let org: { visibility: Visibility; selectedRepositoryIds?: number[] } | undefined
    if (scope.kind === 'org') {
      const visibility = body['visibility']
      if (visibility === undefined) return invalid('"visibility" wasn\'t supplied.', doc)
      if (visibility !== 'all' && visibility !== 'private' && visibility !== 'selected') {
        return invalid(
          `For 'properties/visibility', ${JSON.stringify(visibility)} is not a member of ["all", "private", "selected"].`,
          doc
        )
      }
      const ids = body['selected_repository_ids']
      let selected: number[] | undefined
      if (ids !== undefined && ids !== null) {
        if (!Array.isArray(ids)) {
          return invalid(
            `For 'properties/selected_repository_ids', ${JSON.stringify(ids)} is not an array.`,
            doc
          )
        }
        for (const id of ids) {
          if (typeof id !== 'number' || !Number.isInteger(id)) {
            return invalid(`For 'items', ${JSON.stringify(id)} is not an integer.`, doc)
          }
        }
        selected = ids as number[]
      }
      org =
        visibility === 'selected'
          ? { visibility, selectedRepositoryIds: selected ?? [] }
          : { visibility }
    }

    const encrypted = body['encrypted_value']
    const keyId = body['key_id']
    const existing = this.store.get(scope.key)?.get(name.toUpperCase())
    if (encrypted === undefined) {
      if (scope.kind === 'org' && existing) {
        this.writeSecret(scope, name, undefined, undefined, org)
        return { status: 204 }
      }
      return invalid('"encrypted_value" wasn\'t supplied.', doc)
    }
    if (typeof encrypted !== 'string') {
      return invalid(
        `For 'properties/encrypted_value', ${JSON.stringify(encrypted)} is not a string.`,
        doc
      )
    }
    if (keyId === undefined) return invalid('"key_id" wasn\'t supplied.', doc)
    if (typeof keyId !== 'string') {
      return invalid(`For 'properties/key_id', ${JSON.stringify(keyId)} is not a string.`, doc)
    }
    const pair = this.keyPair(scope)
    if (keyId !== pair.keyId) {
      return invalid(`key_id ${keyId} does not match the current public key of this scope.`, doc)
    }
    if (!isBase64(encrypted)) return invalid('encrypted_value is not valid Base64.', doc)
    let plain: Uint8Array
    try {
      const cipher = sodium.from_base64(encrypted, sodium.base64_variants.ORIGINAL)
      plain = sodium.crypto_box_seal_open(cipher, pair.publicKey, pair.privateKey)
    } catch {
      return invalid(`encrypted_value could not be decrypted with the public key ${keyId}.`, doc)
    }
    if (plain.length > MAX_SECRET_BYTES) {
      return invalid('Secret value exceeds the maximum size of 48 KB.', doc)
    }
    const created = this.writeSecret(scope, name, Buffer.from(plain).toString('utf8'), keyId, org)
    return created ? { status: 201, body: {} } : { status: 204 }
  }

  private repoJson(repo: RepoState): Record<string, unknown> {
    const isOrg = this.orgs.has(repo.owner.toLowerCase())
    return {
      id: repo.id,
      node_id: nodeId('Repository', repo.id),
      name: repo.name,
      full_name: repo.fullName,
      private: repo.private,
      visibility: repo.private ? 'private' : 'public',
      owner: { login: repo.owner, type: isOrg ? 'Organization' : 'User' },
      html_url: `${this.origin}/${repo.fullName}`,
      url: `${this.url}/repos/${repo.fullName}`,
      default_branch: repo.defaultBranch,
      created_at: repo.createdAt
    }
  }

  private environmentJson(scope: ScopeRef): Record<string, unknown> {
    const { repo, env } = scope
    if (!repo || !env) return {}
    return {
      id: env.id,
      node_id: nodeId('Environment', env.id),
      name: env.name,
      url: `${this.url}/repos/${repo.fullName}/environments/${encodeURIComponent(env.name)}`,
      html_url: `${this.origin}/${repo.fullName}/deployments/activity_log?environments_filter=${encodeURIComponent(env.name)}`,
      created_at: env.createdAt,
      updated_at: env.createdAt,
      protection_rules: [],
      deployment_branch_policy: null,
      can_admins_bypass: true
    }
  }

  private getRepo(ctx: Ctx, p: Params): Reply {
    const doc = 'https://docs.github.com/rest/repos/repos#get-a-repository'
    const repo = this.findRepo(p)
    if (!repo) return notFound(doc)
    const denied = this.guard(ctx, { repo }, 'metadata', 'read', doc)
    if (denied) return denied
    return { status: 200, body: this.repoJson(repo) }
  }

  private findWorkflow(repo: RepoState, id: string): WorkflowState | undefined {
    if (/^\d+$/.test(id)) return repo.workflows.find((w) => w.id === Number(id))
    return repo.workflows.find((w) => w.spec.file === id)
  }

  /** Repo + workflow lookup and the `actions` permission check. */
  private workflowTarget(
    ctx: Ctx,
    p: Params,
    level: Access,
    doc: string
  ): { repo: RepoState; workflow: WorkflowState } | Reply {
    const repo = this.findRepo(p)
    if (!repo) return notFound(doc)
    const denied = this.guard(
      ctx,
      { repo },
      'actions',
      level,
      doc,
      level === 'write' ? 'repo' : undefined
    )
    if (denied) return denied
    const workflow = this.findWorkflow(repo, p['workflow'] ?? '')
    if (!workflow) return notFound(doc)
    return { repo, workflow }
  }

  private workflowName(workflow: WorkflowState): string {
    return workflow.spec.name ?? `.github/workflows/${workflow.spec.file}`
  }

  private workflowJson(repo: RepoState, workflow: WorkflowState): Record<string, unknown> {
    const path = `.github/workflows/${workflow.spec.file}`
    return {
      id: workflow.id,
      node_id: nodeId('Workflow', workflow.id),
      name: this.workflowName(workflow),
      path,
      state: 'active',
      created_at: workflow.createdAt,
      updated_at: workflow.createdAt,
      url: `${this.url}/repos/${repo.fullName}/actions/workflows/${workflow.id}`,
      html_url: `${this.origin}/${repo.fullName}/blob/${repo.defaultBranch}/${path}`,
      badge_url: `${this.origin}/${repo.fullName}/workflows/${encodeURIComponent(this.workflowName(workflow))}/badge.svg`
    }
  }

  private getWorkflow(ctx: Ctx, p: Params): Reply {
    const target = this.workflowTarget(ctx, p, 'read', `${WORKFLOW_DOCS}#get-a-workflow`)
    if ('status' in target) return target
    return { status: 200, body: this.workflowJson(target.repo, target.workflow) }
  }

  private dispatch(ctx: Ctx, p: Params): Reply {
    const doc = `${WORKFLOW_DOCS}#create-a-workflow-dispatch-event`
    const target = this.workflowTarget(ctx, p, 'write', doc)
    if ('status' in target) return target
    const { repo, workflow } = target
    const parsed = this.parseBody(ctx, doc)
    if ('reply' in parsed) return parsed.reply
    const body = parsed.value
    const mode = this.options.returnRunDetails ?? 'supported'
    if (mode === 'rejected' && 'return_run_details' in body) {
      return invalid('"return_run_details" is not a permitted key.', doc)
    }
    const ref = body['ref']
    if (ref === undefined) return invalid('"ref" wasn\'t supplied.', doc)
    if (typeof ref !== 'string') {
      return invalid(`For 'properties/ref', ${JSON.stringify(ref)} is not a string.`, doc)
    }
    const rawInputs = body['inputs'] ?? {}
    if (typeof rawInputs !== 'object' || rawInputs === null || Array.isArray(rawInputs)) {
      return invalid(`For 'properties/inputs', ${JSON.stringify(rawInputs)} is not an object.`, doc)
    }
    const inputs: Record<string, string> = {}
    for (const [k, v] of Object.entries(rawInputs as Record<string, unknown>)) {
      inputs[k] = typeof v === 'string' ? v : JSON.stringify(v)
    }
    if (Object.keys(inputs).length > 25) {
      return invalid('You may only specify up to 25 inputs.', doc)
    }
    const declared = workflow.spec.inputs
    const unexpected = declared
      ? Object.keys(inputs).filter((name) => !declared.includes(name))
      : []
    if (unexpected.length > 0) {
      return invalid(`Unexpected inputs provided: ${JSON.stringify(unexpected)}`, doc)
    }
    const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref
    if (branch !== repo.defaultBranch) {
      return { status: 422, body: errorBody(`No ref found for: ${ref}`, doc, 422) }
    }

    const run = this.queueRun(repo, workflow, ref, branch, inputs)
    this.options.onDispatch?.(repo.fullName, workflow.spec.file, { ...inputs })
    if (body['return_run_details'] === true && mode === 'supported') {
      return {
        status: 200,
        body: {
          workflow_run_id: run.id,
          run_url: `${this.url}/repos/${repo.fullName}/actions/runs/${run.id}`,
          html_url: this.runHtmlUrl(run)
        }
      }
    }
    return { status: 204 }
  }

  private queueRun(
    repo: RepoState,
    workflow: WorkflowState,
    ref: string,
    headBranch: string,
    inputs: Record<string, string>
  ): RunState {
    const now = Date.now()
    const name = this.workflowName(workflow)
    const run: RunState = {
      id: this.nextRunId++,
      repo,
      workflow,
      ref,
      headBranch,
      inputs,
      status: 'queued',
      conclusion: null,
      runNumber: workflow.nextRunNumber++,
      displayTitle: workflow.spec.runName ? workflow.spec.runName({ ...inputs }) : name,
      createdMs: now,
      createdAt: isoNow(now),
      updatedAt: isoNow(now),
      runStartedAt: isoNow(now)
    }
    this.runList.push(run)
    const snapshot = this.actionsSecretsFor(repo)
    const context: WorkflowRunContext = {
      repository: repo.fullName,
      ref,
      inputs: { ...inputs },
      runId: run.id,
      secrets: { ...snapshot },
      environmentSecrets: (environment: string) => {
        const out: Record<string, string> = { ...snapshot }
        const env = repo.environments.get(environment.toLowerCase())
        if (env) {
          for (const s of this.store.get(this.envScope(repo, env).key)?.values() ?? []) {
            out[s.name] = s.value
          }
        }
        return out
      }
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      if (this.closed) return
      run.status = 'in_progress'
      run.runStartedAt = isoNow()
      run.updatedAt = run.runStartedAt
      const handler = workflow.spec.handler
      void (async () => {
        let conclusion: WorkflowConclusion
        try {
          conclusion = handler ? await handler(context) : 'success'
        } catch {
          conclusion = 'failure'
        }
        run.status = 'completed'
        run.conclusion = conclusion
        run.updatedAt = isoNow()
      })()
    }, RUN_TICK_MS)
    this.timers.add(timer)
    return run
  }

  private runJson(run: RunState): Record<string, unknown> {
    const repo = run.repo
    const api = `${this.url}/repos/${repo.fullName}`
    const headSha = createHash('sha1').update(`${repo.fullName}@${run.headBranch}`).digest('hex')
    const repository = {
      id: repo.id,
      name: repo.name,
      full_name: repo.fullName,
      private: repo.private,
      owner: { login: repo.owner }
    }
    return {
      id: run.id,
      name: this.workflowName(run.workflow),
      node_id: nodeId('WorkflowRun', run.id),
      head_branch: run.headBranch,
      head_sha: headSha,
      path: `.github/workflows/${run.workflow.spec.file}`,
      display_title: run.displayTitle,
      run_number: run.runNumber,
      run_attempt: 1,
      event: 'workflow_dispatch',
      status: run.status,
      conclusion: run.conclusion,
      workflow_id: run.workflow.id,
      url: `${api}/actions/runs/${run.id}`,
      html_url: this.runHtmlUrl(run),
      jobs_url: `${api}/actions/runs/${run.id}/jobs`,
      logs_url: `${api}/actions/runs/${run.id}/logs`,
      workflow_url: `${api}/actions/workflows/${run.workflow.id}`,
      pull_requests: [],
      created_at: run.createdAt,
      updated_at: run.updatedAt,
      run_started_at: run.runStartedAt,
      repository,
      head_repository: repository
    }
  }

  private listRuns(ctx: Ctx, p: Params): Reply {
    const doc = `${RUN_DOCS}#list-workflow-runs-for-a-workflow`
    const target = this.workflowTarget(ctx, p, 'read', doc)
    if ('status' in target) return target
    const q = ctx.query
    let runs = this.runList.filter((r) => r.workflow === target.workflow)
    const event = q.get('event')
    if (event) runs = runs.filter(() => event === 'workflow_dispatch')
    const branch = q.get('branch')
    if (branch) runs = runs.filter((r) => r.headBranch === branch)
    const status = q.get('status')
    if (status) runs = runs.filter((r) => r.status === status || r.conclusion === status)
    const created = q.get('created')
    if (created) {
      const filter = createdFilter(created)
      if (!filter) return invalid(`Invalid value for "created": ${created}`, doc)
      runs = runs.filter((r) => filter(r.createdMs))
    }
    runs = [...runs].sort((a, b) => b.id - a.id)
    const perPage = Math.min(100, Math.max(1, Number(q.get('per_page') ?? 30) || 30))
    const page = Math.max(1, Number(q.get('page') ?? 1) || 1)
    return {
      status: 200,
      body: {
        total_count: runs.length,
        workflow_runs: runs.slice((page - 1) * perPage, page * perPage).map((r) => this.runJson(r))
      }
    }
  }

  private getRun(ctx: Ctx, p: Params): Reply {
    const doc = `${RUN_DOCS}#get-a-workflow-run`
    const repo = this.findRepo(p)
    if (!repo) return notFound(doc)
    const denied = this.guard(ctx, { repo }, 'actions', 'read', doc)
    if (denied) return denied
    const id = Number(p['run'])
    const run = this.runList.find((r) => r.id === id && r.repo === repo)
    if (!run) return notFound(doc)
    return { status: 200, body: this.runJson(run) }
  }
}
