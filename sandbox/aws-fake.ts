/**
 * A local fake of AWS IAM + STS that speaks the real AWS Query protocol (form-urlencoded POST,
 * XML answers, SigV4-authenticated). The real AWS SDK v3 talks to it when pointed at
 * `endpoint` (or `AWS_ENDPOINT_URL=http://127.0.0.1:PORT`).
 *
 * It models what matters for access-key rotation: the two-keys-per-user quota, key status,
 * deletion, last-used tracking, eventual consistency of new keys (separately for STS and IAM),
 * a small permission model (a user acts on itself, a role on anyone), the account's credential
 * report (GenerateCredentialReport / GetCredentialReport, reused for 4 hours as AWS does), and
 * injectable faults (errors, delays, hung sockets, lost responses). It listens on 127.0.0.1 only.
 */
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'

export type KeyStatus = 'Active' | 'Inactive'

export interface FakeKey {
  userName: string
  /** 'AKIA' + 16 chars [A-Z2-7] */
  accessKeyId: string
  /** 40 chars [A-Za-z0-9+/] */
  secretAccessKey: string
  status: KeyStatus
  createDate: Date
  lastUsed?: { date: Date; service: string; region: string }
  deleted: boolean
  deletedAt?: Date
  /** epoch ms from which STS accepts it (propagation) */
  stsReadyAt: number
  /** epoch ms from which IAM accepts it */
  iamReadyAt: number
}

export interface FakeUser {
  userName: string
  path: string
  userId: string
  arn: string
  createDate: Date
  /** live keys only */
  keys: FakeKey[]
  /** User tags (an access key's description is the tag named after its ID). */
  tags: Map<string, string>
  /** console password: absent = none; lastUsed absent = never signed in */
  password?: { lastUsed?: Date; changed: Date }
}

export interface RoleSession {
  roleName: string
  /** arn:aws:sts::ACCT:assumed-role/ROLE/SESSION */
  arn: string
  /** 'ASIA…' */
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
}

export interface AwsRequestRecord {
  /** arrival time, epoch ms */
  at: number
  service: 'iam' | 'sts'
  action: string
  /** form parameters except Action, Version and anything secret */
  params: Record<string, string>
  /** the user / assumed-role ARN the signing access key id belongs to (even if the request then
   * failed authentication, e.g. a wrong secret); absent for unknown key ids */
  principalArn?: string
  /** the access key id from the SigV4 credential scope */
  accessKeyId?: string
  /** HTTP status answered; 0 while unanswered (or never answered: `hang`) */
  status: number
  errorCode?: string
}

export interface AwsFault {
  /** e.g. 'CreateAccessKey', 'GetCallerIdentity'; '*' matches every action */
  action: string
  service?: 'iam' | 'sts'
  when?: (req: {
    params: Record<string, string>
    principalArn?: string
    accessKeyId?: string
  }) => boolean
  /** how many matching requests it affects (default 1; Infinity allowed) */
  times?: number
  /** error answer (default 500 'ServiceFailure') */
  status?: number
  code?: string
  message?: string
  /** answer after a delay (with the error, or with the normal answer when no status/code given) */
  delayMs?: number
  /** never answer (keep the socket open until close()) */
  hang?: boolean
  /** perform the action normally, then answer with the error (simulates a lost response) */
  afterSuccess?: boolean
  /** Perform and answer the call, then call crash() (e.g. SIGKILL the client). */
  crash?: () => void
}

export interface FakeAwsOptions {
  /** default '123456789012' */
  accountId?: string
  /** default 'aws' */
  partition?: string
  /** default 0: new keys' stsReadyAt = create time + this */
  propagationDelayMs?: number
  /** default = propagationDelayMs; iamReadyAt = create time + this */
  iamPropagationDelayMs?: number
  /** delays every answer */
  latencyMs?: number
  /** default true: recompute SigV4 signatures with the key's secret */
  verifySignatures?: boolean
  /**
   * default 0: how long generating the credential report takes. With 0 the first
   * GenerateCredentialReport answers STARTED and the next one COMPLETE.
   */
  credentialReportGenerationMs?: number
}

/** The credential report's columns, in AWS's order (IAM User Guide, "Getting credential reports"). */
export const CREDENTIAL_REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated'
] as const

/** AWS reuses a credential report for 4 hours; GetCredentialReport calls an older one expired. */
export const CREDENTIAL_REPORT_REUSE_MS = 4 * 3_600_000

const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/'
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/'
const MUTATIONS = new Set([
  'CreateAccessKey',
  'UpdateAccessKey',
  'DeleteAccessKey',
  'TagUser',
  'UntagUser'
])
/** Actions whose resource is the account, not a user. */
const ACCOUNT_RESOURCE = '*'
const SECRET_PARAMS = new Set(['SecretAccessKey', 'SessionToken', 'Password'])
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
const MSG_INVALID_TOKEN = 'The security token included in the request is invalid.'
const MSG_BAD_SIGNATURE =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'

interface RoleSessionRecord {
  session: RoleSession
  roleId: string
  sessionName: string
}

type Principal =
  | { kind: 'user'; name: string; arn: string; user: FakeUser; key: FakeKey }
  | { kind: 'role'; name: string; arn: string; record: RoleSessionRecord }

interface ParsedAuth {
  accessKeyId: string
  date: string
  region: string
  service: string
  signedHeaders: string[]
  signature: string
}

interface ActiveFault {
  fault: AwsFault
  remaining: number
}

interface Answer {
  status: number
  xml: string
  requestId: string
  errorCode?: string
}

interface RequestContext {
  service: 'iam' | 'sts'
  action: string
  form: URLSearchParams
  req: IncomingMessage
  url: URL
  body: Buffer
  auth: ParsedAuth | undefined
  now: number
}

class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message)
  }
}

function randomId(prefix: string, length: number): string {
  let id = prefix
  while (id.length < length) id += BASE32.charAt(randomInt(BASE32.length))
  return id
}

function randomSecret(): string {
  // 30 random bytes → exactly 40 base64 chars, no padding: [A-Za-z0-9+/]{40}
  return randomBytes(30).toString('base64')
}

function xmlEscape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}

function el(name: string, text: string): string {
  return `<${name}>${xmlEscape(text)}</${name}>`
}

/** ISO-8601 with Z; whole seconds are written without fraction, as AWS does. */
function awsDate(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z')
}

/** The credential report's timestamps: ISO 8601 with +00:00, whole seconds. */
function reportDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00')
}

/** RFC 4180: quote a field that holds a comma, quote or line break (IAM user names may hold commas). */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

function parseAuthorization(header: string): ParsedAuth | undefined {
  const match =
    /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]+)\s*$/.exec(
      header.trim()
    )
  if (!match) return undefined
  const [, accessKeyId, date, region, service, signed, signature] = match
  if (!accessKeyId || !date || !region || !service || !signed || !signature) return undefined
  return { accessKeyId, date, region, service, signedHeaders: signed.split(';'), signature }
}

function parseAmzDate(value: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '')
  if (!m) return undefined
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`)
  return Number.isNaN(date.getTime()) ? undefined : date
}

function userXml(user: FakeUser): string {
  return (
    el('Path', user.path) +
    el('UserName', user.userName) +
    el('UserId', user.userId) +
    el('Arn', user.arn) +
    el('CreateDate', awsDate(user.createDate))
  )
}

export class FakeAws {
  readonly endpoint: string
  readonly accountId: string
  readonly requests: AwsRequestRecord[] = []

  private readonly server: Server
  private readonly partition: string
  private readonly latencyMs: number
  private readonly verifySignatures: boolean
  private propagationDelayMs: number
  private iamPropagationDelayMs: number
  private readonly users = new Map<string, FakeUser>()
  private readonly allKeys = new Map<string, FakeKey>()
  private readonly sessions = new Map<string, RoleSessionRecord>()
  private readonly roleIds = new Map<string, string>()
  private readonly denied = new Set<string>()
  private readonly allowed = new Set<string>()
  private faults: ActiveFault[] = []
  private readonly credentialReportGenerationMs: number
  private credentialReport: { generatedAt: Date; csv: string } | undefined
  /** A generation in progress: ready (snapshot taken) from this epoch ms. */
  private reportReadyAt: number | undefined
  private forceReportRegeneration = false
  private readonly accountCreated = new Date(Date.now() - 3 * 365 * 86_400_000)
  private readonly secrets: string[] = []
  private readonly sockets = new Set<Socket>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private closed = false

  private constructor(server: Server, port: number, options: FakeAwsOptions) {
    this.server = server
    this.endpoint = `http://127.0.0.1:${port}`
    this.accountId = options.accountId ?? '123456789012'
    this.partition = options.partition ?? 'aws'
    this.latencyMs = options.latencyMs ?? 0
    this.verifySignatures = options.verifySignatures ?? true
    this.propagationDelayMs = options.propagationDelayMs ?? 0
    this.iamPropagationDelayMs = options.iamPropagationDelayMs ?? this.propagationDelayMs
    this.credentialReportGenerationMs = options.credentialReportGenerationMs ?? 0
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res))
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
  }

  /** Start a fake on 127.0.0.1 with a free port. */
  static async start(options: FakeAwsOptions = {}): Promise<FakeAws> {
    const server = createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
    const { port } = server.address() as AddressInfo
    return new FakeAws(server, port, options)
  }

  // ------------------------------------------------------------------ state set-up & inspection

  addUser(
    userName: string,
    opts: { path?: string; createDate?: Date; password?: { lastUsed?: Date } } = {}
  ): FakeUser {
    if (this.users.has(userName)) throw new Error(`FakeAws: user ${userName} already exists`)
    const path = opts.path ?? '/'
    if (!path.startsWith('/') || !path.endsWith('/')) {
      throw new Error(`FakeAws: path must start and end with '/': ${path}`)
    }
    const user: FakeUser = {
      userName,
      path,
      userId: randomId('AIDA', 21),
      arn: this.userArn(path, userName),
      createDate: opts.createDate ?? new Date(),
      keys: [],
      tags: new Map()
    }
    if (opts.password) user.password = { ...opts.password, changed: user.createDate }
    this.users.set(userName, user)
    return user
  }

  addKey(
    userName: string,
    opts: {
      status?: KeyStatus
      ageDays?: number
      createDate?: Date
      lastUsed?: { date: Date; service: string; region: string } | null
    } = {}
  ): FakeKey {
    const user = this.user(userName)
    if (user.keys.length >= 2) {
      throw new Error(`FakeAws: user ${userName} already has 2 access keys (the AWS quota)`)
    }
    const now = Date.now()
    const createDate =
      opts.createDate ??
      (opts.ageDays !== undefined ? new Date(now - opts.ageDays * 86_400_000) : new Date(now))
    const key = this.newKey(user, createDate, 0, 0)
    if (opts.status) key.status = opts.status
    if (opts.lastUsed) key.lastUsed = { ...opts.lastUsed }
    return key
  }

  addRoleSession(roleName: string, sessionName = 'GitHubActions'): RoleSession {
    let roleId = this.roleIds.get(roleName)
    if (!roleId) {
      roleId = randomId('AROA', 21)
      this.roleIds.set(roleName, roleId)
    }
    let accessKeyId = randomId('ASIA', 20)
    while (this.sessions.has(accessKeyId) || this.allKeys.has(accessKeyId)) {
      accessKeyId = randomId('ASIA', 20)
    }
    const session: RoleSession = {
      roleName,
      arn: `arn:${this.partition}:sts::${this.accountId}:assumed-role/${roleName}/${sessionName}`,
      accessKeyId,
      secretAccessKey: randomSecret(),
      sessionToken: 'IQoJb3JpZ2luX2VjEFake' + randomBytes(96).toString('base64')
    }
    this.secrets.push(session.secretAccessKey)
    this.sessions.set(accessKeyId, { session, roleId, sessionName })
    return session
  }

  user(userName: string): FakeUser {
    const user = this.users.get(userName)
    if (!user) throw new Error(`FakeAws: unknown user ${userName}`)
    return user
  }

  keys(userName: string): FakeKey[] {
    return [...this.user(userName).keys]
  }

  findKey(accessKeyId: string): FakeKey | undefined {
    return this.allKeys.get(accessKeyId)
  }

  authenticates(
    accessKeyId: string,
    secretAccessKey: string,
    service: 'iam' | 'sts' = 'sts'
  ): boolean {
    const session = this.sessions.get(accessKeyId)
    if (session) return session.session.secretAccessKey === secretAccessKey
    const key = this.allKeys.get(accessKeyId)
    if (!key) return false
    return this.keyUsable(key, service, Date.now()) && key.secretAccessKey === secretAccessKey
  }

  setPropagationDelay(ms: number, iamMs: number = ms): void {
    this.propagationDelayMs = ms
    this.iamPropagationDelayMs = iamMs
  }

  deny(principalName: string, action: string): void {
    this.denied.add(`${principalName}\n${action}`)
  }

  allow(principalName: string, action: string): void {
    this.allowed.add(`${principalName}\n${action}`)
  }

  injectFault(fault: AwsFault): void {
    this.faults.push({ fault, remaining: fault.times ?? 1 })
  }

  clearFaults(): void {
    this.faults = []
  }

  mutations(): AwsRequestRecord[] {
    return this.requests.filter((r) => MUTATIONS.has(r.action))
  }

  /** Moves every recorded time `ms` into the past, as if that much time had passed. */
  timeTravel(ms: number): void {
    for (const key of this.allKeys.values()) {
      key.createDate = new Date(key.createDate.getTime() - ms)
      if (key.lastUsed)
        key.lastUsed = { ...key.lastUsed, date: new Date(key.lastUsed.date.getTime() - ms) }
      if (key.deletedAt) key.deletedAt = new Date(key.deletedAt.getTime() - ms)
      key.stsReadyAt = Math.max(0, key.stsReadyAt - ms)
      key.iamReadyAt = Math.max(0, key.iamReadyAt - ms)
    }
    for (const user of this.users.values())
      user.createDate = new Date(user.createDate.getTime() - ms)
  }

  /** The credential report as GetCredentialReport would return it now (undefined before one). */
  credentialReportCsv(): string | undefined {
    return this.credentialReport?.csv
  }

  /** The next GenerateCredentialReport starts a new report even within AWS's 4-hour reuse. */
  forceCredentialReportRegeneration(): void {
    this.forceReportRegeneration = true
  }

  /** Pretends the current credential report was generated `ms` earlier (freshness tests). */
  backdateCredentialReport(ms: number): void {
    if (!this.credentialReport) throw new Error('FakeAws: no credential report to backdate')
    this.credentialReport.generatedAt = new Date(this.credentialReport.generatedAt.getTime() - ms)
  }

  issuedSecrets(): string[] {
    return [...this.secrets]
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.server.closeAllConnections()
    for (const socket of this.sockets) socket.destroy()
    this.sockets.clear()
    await done
  }

  // ------------------------------------------------------------------ internals: model

  private userArn(path: string, userName: string): string {
    return `arn:${this.partition}:iam::${this.accountId}:user${path}${userName}`
  }

  private newKey(user: FakeUser, createDate: Date, stsDelay: number, iamDelay: number): FakeKey {
    let accessKeyId = randomId('AKIA', 20)
    while (this.allKeys.has(accessKeyId) || this.sessions.has(accessKeyId)) {
      accessKeyId = randomId('AKIA', 20)
    }
    const now = Date.now()
    const key: FakeKey = {
      userName: user.userName,
      accessKeyId,
      secretAccessKey: randomSecret(),
      status: 'Active',
      createDate,
      deleted: false,
      stsReadyAt: stsDelay > 0 ? now + stsDelay : 0,
      iamReadyAt: iamDelay > 0 ? now + iamDelay : 0
    }
    this.secrets.push(key.secretAccessKey)
    this.allKeys.set(accessKeyId, key)
    user.keys.push(key)
    return key
  }

  private keyUsable(key: FakeKey, service: 'iam' | 'sts', now: number): boolean {
    if (key.deleted || key.status !== 'Active') return false
    return now >= (service === 'sts' ? key.stsReadyAt : key.iamReadyAt)
  }

  private principalArnFor(accessKeyId: string | undefined): string | undefined {
    if (accessKeyId === undefined) return undefined
    const session = this.sessions.get(accessKeyId)
    if (session) return session.session.arn
    const key = this.allKeys.get(accessKeyId)
    return key ? this.users.get(key.userName)?.arn : undefined
  }

  private takeFault(
    service: 'iam' | 'sts',
    action: string,
    info: { params: Record<string, string>; principalArn?: string; accessKeyId?: string }
  ): AwsFault | undefined {
    for (const active of this.faults) {
      const { fault } = active
      if (active.remaining <= 0) continue
      if (fault.action !== '*' && fault.action !== action) continue
      if (fault.service && fault.service !== service) continue
      if (fault.when && !fault.when(info)) continue
      active.remaining -= 1
      this.faults = this.faults.filter((f) => f.remaining > 0)
      return fault
    }
    return undefined
  }

  // ------------------------------------------------------------------ internals: HTTP

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      this.handle(req, res, Buffer.concat(chunks)).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          const message = err instanceof Error ? err.message : String(err)
          this.send(res, this.errorAnswer('iam', 500, 'InternalFailure', message))
        }
      })
    })
    req.on('error', () => res.destroy())
  }

  private async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const now = Date.now()
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const form = new URLSearchParams(url.search)
    if (req.method === 'POST') {
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) form.append(k, v)
    }
    const action = form.get('Action') ?? ''
    const authHeader = headerValue(req, 'authorization')
    const auth = authHeader ? parseAuthorization(authHeader) : undefined
    const service: 'iam' | 'sts' =
      auth?.service === 'sts' || (!auth && action === 'GetCallerIdentity') ? 'sts' : 'iam'
    const params: Record<string, string> = {}
    for (const [k, v] of form) {
      if (k === 'Action' || k === 'Version' || SECRET_PARAMS.has(k)) continue
      params[k] = v
    }
    const accessKeyId = auth?.accessKeyId
    const principalArn = this.principalArnFor(accessKeyId)
    const record: AwsRequestRecord = { at: now, service, action, params, status: 0 }
    if (principalArn !== undefined) record.principalArn = principalArn
    if (accessKeyId !== undefined) record.accessKeyId = accessKeyId
    this.requests.push(record)

    const info: { params: Record<string, string>; principalArn?: string; accessKeyId?: string } = {
      params: { ...params }
    }
    if (principalArn !== undefined) info.principalArn = principalArn
    if (accessKeyId !== undefined) info.accessKeyId = accessKeyId
    const fault = this.takeFault(service, action, info)

    if (fault?.hang) return // never answer; close() destroys the socket
    if (fault?.crash) {
      // The call happens and is answered; then the client dies, before it can go on.
      const done = await this.process({ service, action, form, req, url, body, auth, now })
      record.status = done.status
      if (done.errorCode !== undefined) record.errorCode = done.errorCode
      res.on('finish', () => fault.crash?.())
      this.send(res, done)
      return
    }

    const faultAnswers =
      fault !== undefined &&
      (fault.afterSuccess === true ||
        fault.status !== undefined ||
        fault.code !== undefined ||
        fault.message !== undefined ||
        fault.delayMs === undefined)

    let answer: Answer
    if (fault && faultAnswers && !fault.afterSuccess) {
      answer = this.faultAnswer(service, fault)
    } else {
      answer = await this.process({ service, action, form, req, url, body, auth, now })
      if (fault?.afterSuccess && answer.status === 200) answer = this.faultAnswer(service, fault)
    }

    const delay = this.latencyMs + (fault?.delayMs ?? 0)
    if (delay > 0) await this.sleep(delay)
    if (this.closed) return
    record.status = answer.status
    if (answer.errorCode !== undefined) record.errorCode = answer.errorCode
    this.send(res, answer)
  }

  private send(res: ServerResponse, answer: Answer): void {
    if (res.destroyed || res.headersSent) return
    const body = Buffer.from(answer.xml, 'utf8')
    res.writeHead(answer.status, {
      'Content-Type': 'text/xml',
      'Content-Length': String(body.length),
      'x-amzn-RequestId': answer.requestId
    })
    res.end(body)
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer)
        resolve()
      }, ms)
      this.timers.add(timer)
    })
  }

  private faultAnswer(service: 'iam' | 'sts', fault: AwsFault): Answer {
    const code = fault.code ?? 'ServiceFailure'
    const message =
      fault.message ??
      (code === 'ServiceFailure'
        ? 'The request processing has failed because of an unknown error, exception or failure.'
        : `Injected fault: ${code}`)
    return this.errorAnswer(service, fault.status ?? 500, code, message)
  }

  private errorAnswer(
    service: 'iam' | 'sts',
    status: number,
    code: string,
    message: string
  ): Answer {
    const ns = service === 'sts' ? STS_NS : IAM_NS
    const requestId = randomUUID()
    const xml =
      `<ErrorResponse xmlns="${ns}"><Error>` +
      el('Type', status >= 500 ? 'Receiver' : 'Sender') +
      el('Code', code) +
      el('Message', message) +
      `</Error>${el('RequestId', requestId)}</ErrorResponse>`
    return { status, xml, requestId, errorCode: code }
  }

  private okAnswer(service: 'iam' | 'sts', action: string, result: string | undefined): Answer {
    const ns = service === 'sts' ? STS_NS : IAM_NS
    const requestId = randomUUID()
    const resultXml = result === undefined ? '' : `<${action}Result>${result}</${action}Result>`
    const xml =
      `<${action}Response xmlns="${ns}">${resultXml}` +
      `<ResponseMetadata>${el('RequestId', requestId)}</ResponseMetadata>` +
      `</${action}Response>`
    return { status: 200, xml, requestId }
  }

  // ------------------------------------------------------------------ internals: auth

  private async process(ctx: RequestContext): Promise<Answer> {
    try {
      const principal = await this.authenticate(ctx)
      const result = this.dispatch(ctx, principal)
      if (principal.kind === 'user' && ctx.auth) {
        principal.key.lastUsed = {
          date: new Date(),
          service: ctx.service,
          region: ctx.auth.region
        }
      }
      return this.okAnswer(ctx.service, ctx.action, result)
    } catch (err) {
      if (err instanceof AwsError)
        return this.errorAnswer(ctx.service, err.status, err.code, err.message)
      throw err
    }
  }

  private async authenticate(ctx: RequestContext): Promise<Principal> {
    const { auth, req, service, now } = ctx
    if (!auth) {
      if (headerValue(req, 'authorization')) {
        throw new AwsError(
          400,
          'IncompleteSignature',
          'Authorization header requires Credential, SignedHeaders and Signature parameters.'
        )
      }
      throw new AwsError(
        403,
        'MissingAuthenticationToken',
        'Request is missing Authentication Token'
      )
    }
    const token = headerValue(req, 'x-amz-security-token')
    const invalid = new AwsError(403, 'InvalidClientTokenId', MSG_INVALID_TOKEN)
    let principal: Principal
    let secret: string
    const record = this.sessions.get(auth.accessKeyId)
    if (record) {
      if (token !== record.session.sessionToken) throw invalid
      principal = { kind: 'role', name: record.session.roleName, arn: record.session.arn, record }
      secret = record.session.secretAccessKey
    } else {
      const key = this.allKeys.get(auth.accessKeyId)
      if (!key || token !== undefined || !this.keyUsable(key, service, now)) throw invalid
      const user = this.users.get(key.userName)
      if (!user) throw invalid
      principal = { kind: 'user', name: user.userName, arn: user.arn, user, key }
      secret = key.secretAccessKey
    }
    if (this.verifySignatures && !(await this.signatureMatches(ctx, auth, secret))) {
      throw new AwsError(403, 'SignatureDoesNotMatch', MSG_BAD_SIGNATURE)
    }
    return principal
  }

  private async signatureMatches(
    ctx: RequestContext,
    auth: ParsedAuth,
    secretAccessKey: string
  ): Promise<boolean> {
    const { req, url, body } = ctx
    const amzDate = headerValue(req, 'x-amz-date')
    const signingDate = parseAmzDate(amzDate)
    if (!signingDate || !amzDate?.startsWith(auth.date)) return false
    if (!auth.signedHeaders.includes('host')) return false
    const headers: Record<string, string> = {}
    for (const name of auth.signedHeaders) {
      const value = headerValue(req, name)
      if (value === undefined) return false
      headers[name] = value
    }
    const payloadHash = headers['x-amz-content-sha256']
    if (
      payloadHash !== undefined &&
      payloadHash !== 'UNSIGNED-PAYLOAD' &&
      payloadHash !== createHash('sha256').update(body).digest('hex')
    ) {
      return false
    }
    const query: Record<string, string | string[]> = {}
    for (const [k, v] of url.searchParams) {
      const prev = query[k]
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
    }
    const signer = new SignatureV4({
      credentials: { accessKeyId: auth.accessKeyId, secretAccessKey },
      region: auth.region,
      service: auth.service,
      sha256: Hash.bind(null, 'sha256'),
      applyChecksum: false
    })
    const signed = await signer.sign(
      {
        method: req.method ?? 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        path: url.pathname,
        query,
        headers,
        body
      },
      {
        signingDate,
        signingRegion: auth.region,
        signingService: auth.service,
        signableHeaders: new Set(auth.signedHeaders)
      }
    )
    const expected = /Signature=([0-9a-f]+)/.exec(signed.headers['authorization'] ?? '')?.[1]
    return expected === auth.signature
  }

  // ------------------------------------------------------------------ internals: actions

  private dispatch(ctx: RequestContext, principal: Principal): string | undefined {
    if (ctx.service === 'sts') {
      if (ctx.action === 'GetCallerIdentity') return this.getCallerIdentity(principal)
      throw this.invalidAction(ctx)
    }
    const params = ctx.form
    switch (ctx.action) {
      case 'GetUser':
        return this.getUser(principal, params)
      case 'ListUsers':
        return this.listUsers(principal, params)
      case 'ListAccessKeys':
        return this.listAccessKeys(principal, params)
      case 'CreateAccessKey':
        return this.createAccessKey(principal, params, ctx.now)
      case 'UpdateAccessKey':
        return this.updateAccessKey(principal, params)
      case 'DeleteAccessKey':
        return this.deleteAccessKey(principal, params)
      case 'GetAccessKeyLastUsed':
        return this.getAccessKeyLastUsed(principal, params)
      case 'TagUser':
        return this.tagUser(principal, params)
      case 'UntagUser':
        return this.untagUser(principal, params)
      case 'ListUserTags':
        return this.listUserTags(principal, params)
      case 'GenerateCredentialReport':
        return this.generateCredentialReport(principal, ctx.now)
      case 'GetCredentialReport':
        return this.getCredentialReport(principal, ctx.now)
      default:
        throw this.invalidAction(ctx)
    }
  }

  private invalidAction(ctx: RequestContext): AwsError {
    const version = ctx.service === 'sts' ? '2011-06-15' : '2010-05-08'
    return new AwsError(
      400,
      'InvalidAction',
      `Could not find operation ${ctx.action} for version ${version}`
    )
  }

  private getCallerIdentity(principal: Principal): string {
    const userId =
      principal.kind === 'user'
        ? principal.user.userId
        : `${principal.record.roleId}:${principal.record.sessionName}`
    return el('Arn', principal.arn) + el('UserId', userId) + el('Account', this.accountId)
  }

  /** The target user name: explicit UserName, else the calling user. */
  private targetName(principal: Principal, params: URLSearchParams): string {
    const name = params.get('UserName')
    if (name) return name
    if (principal.kind === 'role') {
      throw new AwsError(
        400,
        'ValidationError',
        'Must specify userName when calling with non-User credentials'
      )
    }
    return principal.user.userName
  }

  private authorize(principal: Principal, action: string, resourceArn: string, self: boolean) {
    const denied =
      this.denied.has(`${principal.name}\n${action}`) || this.denied.has(`${principal.name}\n*`)
    const callerArn = principal.arn
    if (denied) {
      throw new AwsError(
        403,
        'AccessDenied',
        `User: ${callerArn} is not authorized to perform: iam:${action} on resource: ${resourceArn} with an explicit deny in an identity-based policy`
      )
    }
    if (principal.kind === 'role') return
    if (self) return
    if (
      this.allowed.has(`${principal.name}\n${action}`) ||
      this.allowed.has(`${principal.name}\n*`)
    ) {
      return
    }
    throw new AwsError(
      403,
      'AccessDenied',
      `User: ${callerArn} is not authorized to perform: iam:${action} on resource: ${resourceArn} because no identity-based policy allows the iam:${action} action`
    )
  }

  /** Resolve, authorize and look up the target user of a user-scoped action. */
  private targetUser(principal: Principal, params: URLSearchParams, action: string): FakeUser {
    const name = this.targetName(principal, params)
    const user = this.users.get(name)
    const resourceArn = user?.arn ?? this.userArn('/', name)
    this.authorize(
      principal,
      action,
      resourceArn,
      principal.kind === 'user' && principal.name === name
    )
    if (!user) {
      throw new AwsError(404, 'NoSuchEntity', `The user with name ${name} cannot be found.`)
    }
    return user
  }

  private requireParam(params: URLSearchParams, name: string, member: string): string {
    const value = params.get(name)
    if (value === null || value === '') {
      throw new AwsError(
        400,
        'ValidationError',
        `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`
      )
    }
    return value
  }

  private liveKeyOf(user: FakeUser, accessKeyId: string): FakeKey {
    const key = user.keys.find((k) => k.accessKeyId === accessKeyId)
    if (!key) {
      throw new AwsError(
        404,
        'NoSuchEntity',
        `The Access Key with id ${accessKeyId} cannot be found`
      )
    }
    return key
  }

  private tagUser(principal: Principal, params: URLSearchParams): undefined {
    const user = this.targetUser(principal, params, 'TagUser')
    const tags = new Map(user.tags)
    for (let n = 1; params.has(`Tags.member.${n}.Key`); n += 1) {
      tags.set(params.get(`Tags.member.${n}.Key`) ?? '', params.get(`Tags.member.${n}.Value`) ?? '')
    }
    if (tags.size > 50) {
      throw new AwsError(409, 'LimitExceeded', 'Cannot exceed quota for TagsPerUser: 50')
    }
    user.tags = tags
    return undefined
  }

  private untagUser(principal: Principal, params: URLSearchParams): undefined {
    const user = this.targetUser(principal, params, 'UntagUser')
    for (let n = 1; params.has(`TagKeys.member.${n}`); n += 1) {
      user.tags.delete(params.get(`TagKeys.member.${n}`) ?? '')
    }
    return undefined
  }

  private listUserTags(principal: Principal, params: URLSearchParams): string {
    const user = this.targetUser(principal, params, 'ListUserTags')
    const members = [...user.tags]
      .map(([key, value]) => `<member>${el('Key', key)}${el('Value', value)}</member>`)
      .join('')
    return `<Tags>${members}</Tags><IsTruncated>false</IsTruncated>`
  }

  private getUser(principal: Principal, params: URLSearchParams): string {
    const user = this.targetUser(principal, params, 'GetUser')
    return `<User>${userXml(user)}</User>`
  }

  private listUsers(principal: Principal, params: URLSearchParams): string {
    const resourceArn = `arn:${this.partition}:iam::${this.accountId}:user/`
    this.authorize(principal, 'ListUsers', resourceArn, false)
    const prefix = params.get('PathPrefix') || '/'
    const maxItems = this.maxItems(params)
    const all = [...this.users.values()]
      .filter((u) => u.path.startsWith(prefix))
      .sort((a, b) => (a.userName < b.userName ? -1 : a.userName > b.userName ? 1 : 0))
    let start = 0
    const marker = params.get('Marker')
    if (marker) {
      const after = Buffer.from(marker, 'base64url').toString('utf8')
      if (!after.startsWith('u:')) {
        throw new AwsError(400, 'ValidationError', 'Invalid Marker')
      }
      const last = after.slice(2)
      start = all.findIndex((u) => u.userName > last)
      if (start < 0) start = all.length
    }
    const page = all.slice(start, start + maxItems)
    const truncated = start + page.length < all.length
    const lastUser = page[page.length - 1]
    let xml = `<Users>${page.map((u) => `<member>${userXml(u)}</member>`).join('')}</Users>`
    xml += el('IsTruncated', String(truncated))
    if (truncated && lastUser) {
      xml += el('Marker', Buffer.from(`u:${lastUser.userName}`, 'utf8').toString('base64url'))
    }
    return xml
  }

  private maxItems(params: URLSearchParams): number {
    const raw = params.get('MaxItems')
    if (raw === null || raw === '') return 100
    const n = Number(raw)
    if (!Number.isInteger(n) || n < 1 || n > 1000) {
      throw new AwsError(
        400,
        'ValidationError',
        `1 validation error detected: Value '${raw}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`
      )
    }
    return n
  }

  private listAccessKeys(principal: Principal, params: URLSearchParams): string {
    const user = this.targetUser(principal, params, 'ListAccessKeys')
    const members = user.keys
      .map(
        (k) =>
          '<member>' +
          el('UserName', k.userName) +
          el('AccessKeyId', k.accessKeyId) +
          el('Status', k.status) +
          el('CreateDate', awsDate(k.createDate)) +
          '</member>'
      )
      .join('')
    return `<AccessKeyMetadata>${members}</AccessKeyMetadata>${el('IsTruncated', 'false')}`
  }

  private createAccessKey(principal: Principal, params: URLSearchParams, now: number): string {
    const user = this.targetUser(principal, params, 'CreateAccessKey')
    if (user.keys.length >= 2) {
      throw new AwsError(409, 'LimitExceeded', 'Cannot exceed quota for AccessKeysPerUser: 2')
    }
    const key = this.newKey(
      user,
      new Date(now),
      this.propagationDelayMs,
      this.iamPropagationDelayMs
    )
    return (
      '<AccessKey>' +
      el('UserName', key.userName) +
      el('AccessKeyId', key.accessKeyId) +
      el('Status', key.status) +
      el('SecretAccessKey', key.secretAccessKey) +
      el('CreateDate', awsDate(key.createDate)) +
      '</AccessKey>'
    )
  }

  private updateAccessKey(principal: Principal, params: URLSearchParams): undefined {
    const accessKeyId = this.requireParam(params, 'AccessKeyId', 'accessKeyId')
    const status = this.requireParam(params, 'Status', 'status')
    if (status !== 'Active' && status !== 'Inactive') {
      throw new AwsError(
        400,
        'ValidationError',
        `1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive, Expired]`
      )
    }
    const user = this.targetUser(principal, params, 'UpdateAccessKey')
    this.liveKeyOf(user, accessKeyId).status = status
    return undefined
  }

  private deleteAccessKey(principal: Principal, params: URLSearchParams): undefined {
    const accessKeyId = this.requireParam(params, 'AccessKeyId', 'accessKeyId')
    const user = this.targetUser(principal, params, 'DeleteAccessKey')
    const key = this.liveKeyOf(user, accessKeyId)
    key.deleted = true
    key.deletedAt = new Date()
    user.keys.splice(user.keys.indexOf(key), 1)
    return undefined
  }

  private getAccessKeyLastUsed(principal: Principal, params: URLSearchParams): string {
    const accessKeyId = this.requireParam(params, 'AccessKeyId', 'accessKeyId')
    const key = this.allKeys.get(accessKeyId)
    const owner = key && !key.deleted ? this.users.get(key.userName) : undefined
    if (!key || !owner) {
      throw new AwsError(
        404,
        'NoSuchEntity',
        `The Access Key with id ${accessKeyId} cannot be found`
      )
    }
    this.authorize(
      principal,
      'GetAccessKeyLastUsed',
      owner.arn,
      principal.kind === 'user' && principal.name === owner.userName
    )
    const used = key.lastUsed
    const lastUsed = used
      ? el('LastUsedDate', awsDate(used.date)) +
        el('ServiceName', used.service) +
        el('Region', used.region)
      : el('ServiceName', 'N/A') + el('Region', 'N/A')
    return el('UserName', owner.userName) + `<AccessKeyLastUsed>${lastUsed}</AccessKeyLastUsed>`
  }

  // ------------------------------------------------------------------ credential report

  private generateCredentialReport(principal: Principal, now: number): string {
    this.authorize(principal, 'GenerateCredentialReport', ACCOUNT_RESOURCE, false)
    this.finishReportIfReady(now)
    const state = (value: string, description: string): string =>
      el('State', value) + el('Description', description)
    if (this.reportReadyAt !== undefined)
      return state('INPROGRESS', 'Report generation in progress')
    const report = this.credentialReport
    const reusable =
      report !== undefined && now - report.generatedAt.getTime() < CREDENTIAL_REPORT_REUSE_MS
    if (reusable && !this.forceReportRegeneration) return state('COMPLETE', 'Report is ready')
    this.forceReportRegeneration = false
    this.reportReadyAt = now + this.credentialReportGenerationMs
    return state(
      'STARTED',
      report === undefined
        ? 'No report exists. Starting a new report generation task'
        : 'Report is older than 4 hours. Starting a new report generation task'
    )
  }

  private getCredentialReport(principal: Principal, now: number): string {
    this.authorize(principal, 'GetCredentialReport', ACCOUNT_RESOURCE, false)
    this.finishReportIfReady(now)
    if (this.reportReadyAt !== undefined) {
      throw new AwsError(404, 'ReportInProgress', 'Credential report is being generated.')
    }
    const report = this.credentialReport
    if (!report) {
      throw new AwsError(
        410,
        'ReportNotPresent',
        'Credential report not present. Use GenerateCredentialReport to generate a report.'
      )
    }
    if (now - report.generatedAt.getTime() >= CREDENTIAL_REPORT_REUSE_MS) {
      throw new AwsError(
        410,
        'ReportExpired',
        'Credential report has expired. Use GenerateCredentialReport to generate a new report.'
      )
    }
    return (
      el('Content', Buffer.from(report.csv, 'utf8').toString('base64')) +
      el('ReportFormat', 'text/csv') +
      el('GeneratedTime', awsDate(report.generatedAt))
    )
  }

  /** A finished generation takes its snapshot of the account now. */
  private finishReportIfReady(now: number): void {
    if (this.reportReadyAt === undefined || now < this.reportReadyAt) return
    this.reportReadyAt = undefined
    const generatedAt = new Date(Math.floor(now / 1000) * 1000)
    this.credentialReport = { generatedAt, csv: this.credentialReportText() }
  }

  /** One row for the root account, then one per user; key slots in creation order. */
  private credentialReportText(): string {
    const rows: string[][] = [[...CREDENTIAL_REPORT_COLUMNS]]
    const noCerts = ['false', 'N/A', 'false', 'N/A']
    const noKey = ['false', 'N/A', 'N/A', 'N/A', 'N/A']
    rows.push([
      '<root_account>',
      `arn:${this.partition}:iam::${this.accountId}:root`,
      reportDate(this.accountCreated),
      'not_supported',
      'no_information',
      'not_supported',
      'not_supported',
      'true',
      ...noKey,
      ...noKey,
      ...noCerts
    ])
    const users = [...this.users.values()].sort((a, b) =>
      a.userName < b.userName ? -1 : a.userName > b.userName ? 1 : 0
    )
    for (const user of users) {
      const keys = [...user.keys].sort((a, b) => a.createDate.getTime() - b.createDate.getTime())
      const slot = (key: FakeKey | undefined): string[] =>
        key
          ? [
              String(key.status === 'Active'),
              reportDate(key.createDate),
              key.lastUsed ? reportDate(key.lastUsed.date) : 'N/A',
              key.lastUsed?.region ?? 'N/A',
              key.lastUsed?.service ?? 'N/A'
            ]
          : noKey
      const password = user.password
      rows.push([
        user.userName,
        user.arn,
        reportDate(user.createDate),
        String(password !== undefined),
        password ? (password.lastUsed ? reportDate(password.lastUsed) : 'no_information') : 'N/A',
        password ? reportDate(password.changed) : 'N/A',
        'N/A',
        'false',
        ...slot(keys[0]),
        ...slot(keys[1]),
        ...noCerts
      ])
    }
    return rows.map((row) => row.map(csvField).join(',')).join('\n')
  }
}
