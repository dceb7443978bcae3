/**
 * The rotation's view of the outside world. Adapters under src/aws and src/github implement these;
 * tests implement them with fakes. Nothing here imports an SDK.
 */
import type { NewOrgSecret, OrgSecretVisibility, SecretNames, Target } from '../targets.js'

export type KeyStatus = 'Active' | 'Inactive' | (string & {})

export interface AccessKey {
  readonly id: string
  readonly status: KeyStatus
  readonly createdAt: Date
  readonly lastUsed?: { readonly date?: Date; readonly service?: string; readonly region?: string }
}

export interface NewAccessKey {
  readonly id: string
  readonly secret: string
  readonly createdAt: Date
}

export interface Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string
}

export interface CallerIdentity {
  readonly arn: string
  readonly account: string
}

export interface IamUser {
  readonly name: string
  readonly arn: string
}

/** Why an AWS call failed, in the terms the rotation decides on. */
export type AwsFailureKind =
  | 'propagation' // the key is not known (yet) to this endpoint: InvalidClientTokenId
  | 'denied' // AccessDenied: a permission is missing
  | 'limit' // LimitExceeded: two keys already
  | 'not-found' // NoSuchEntity
  | 'transient' // 5xx, throttling, network, timeout (after the SDK's own retries)
  | 'other'

export class AwsCallError extends Error {
  constructor(
    /** e.g. `iam:CreateAccessKey` */
    readonly call: string,
    readonly kind: AwsFailureKind,
    readonly code: string,
    message: string
  ) {
    super(message)
    this.name = 'AwsCallError'
  }
}

export interface Iam {
  /** STS GetCallerIdentity with the action's own credentials. */
  caller(): Promise<CallerIdentity>
  /** The action's own credentials, to know whether it runs as the rotated user. */
  callerCredentials(): Promise<Credentials>
  getUser(name: string): Promise<IamUser>
  /** Keys of the user, with their last use. */
  listKeys(userName: string): Promise<AccessKey[]>
  /** Creates a key; the adapter masks the values before returning. Never retried. */
  createKey(userName: string): Promise<NewAccessKey>
  setKeyStatus(userName: string, keyId: string, status: 'Active' | 'Inactive'): Promise<void>
  deleteKey(userName: string, keyId: string): Promise<void>
  /**
   * An access key's description, which IAM keeps as a user tag named after the key ID (the
   * console shows it). The action marks the keys it creates, so a later run can recognise a
   * rotation that was interrupted.
   */
  describeKey(userName: string, keyId: string, description: string): Promise<void>
  keyDescriptions(userName: string): Promise<Map<string, string>>
  removeKeyDescription(userName: string, keyId: string): Promise<void>
  /** STS GetCallerIdentity signed with other credentials (verification of a new key). */
  identify(credentials: Credentials): Promise<CallerIdentity>
  /** The same IAM operations signed with other credentials. */
  withCredentials(credentials: Credentials): Iam
}

/** What preflight learned about a target's secret scope; reused for the writes. */
export interface ScopeAccess {
  readonly publicKeyId: string
  readonly publicKey: string
  /** Organization secrets: how each named secret is shared, written back unchanged. */
  readonly orgSecrets?: ReadonlyMap<
    string,
    { readonly visibility: OrgSecretVisibility; readonly selectedRepositoryIds?: readonly number[] }
  >
}

export class GitHubCallError extends Error {
  constructor(
    /** e.g. `PUT /repos/acme/web/actions/secrets/AWS_ACCESS_KEY_ID` */
    readonly call: string,
    readonly status: number | undefined,
    message: string,
    /** The permission GitHub says the endpoint needs (x-accepted-github-permissions). */
    readonly acceptedPermissions?: string
  ) {
    super(message)
    this.name = 'GitHubCallError'
  }
}

export interface SecretStore {
  /**
   * Proves the target exists and the token can reach its secrets; reads the scope's public key
   * (and, for an organization, how each named secret is shared).
   */
  preflight(
    target: Target,
    options: { readonly secretNames: SecretNames; readonly newOrgSecret?: NewOrgSecret }
  ): Promise<ScopeAccess>
  /** Seals `value` with the scope's key and writes it. */
  write(target: Target, name: string, value: string, access: ScopeAccess): Promise<void>
  /**
   * When the named secret was last written (GitHub's `updated_at`), undefined if it does not
   * exist. Secrets are write-only, so this is how a run tells which targets an earlier,
   * interrupted run wrote, and whether a write whose answer was lost landed.
   */
  lastUpdated(target: Target, name: string): Promise<Date | undefined>
}

export interface Clock {
  now(): Date
  sleep(ms: number): Promise<void>
}

export interface Log {
  info(message: string): void
  warning(message: string): void
  group<T>(name: string, fn: () => Promise<T>): Promise<T>
}

export interface CommandResult {
  readonly exitCode: number | null
  readonly timedOut: boolean
}

export interface CommandRunner {
  /**
   * Runs a shell command with exactly `env`, streaming its output into the log with every value
   * of `redact` replaced, and kills it (with its children) after `timeoutMs`.
   */
  run(
    command: string,
    env: Readonly<Record<string, string>>,
    timeoutMs: number,
    redact: readonly string[]
  ): Promise<CommandResult>
}

export interface WorkflowRun {
  readonly id: number
  readonly url: string
  readonly title: string
  readonly status: string
  readonly conclusion: string | null
  readonly createdAt: Date
}

export interface Dispatched {
  /** Known when the server returns run details (github.com since 2026-02). */
  readonly run?: { readonly id: number; readonly url: string }
  /** False when the workflow declares no such inputs and the dispatch was retried without them. */
  readonly inputsAccepted: boolean
}

export interface Workflows {
  defaultBranch(owner: string, repo: string): Promise<string>
  /** Fails (404) when the workflow file does not exist in the repository. */
  checkWorkflow(owner: string, repo: string, workflow: string): Promise<void>
  dispatch(
    owner: string,
    repo: string,
    workflow: string,
    ref: string,
    inputs: Readonly<Record<string, string>>
  ): Promise<Dispatched>
  /** Runs of the workflow on `branch` created at or after `since`, newest first. */
  listRuns(
    owner: string,
    repo: string,
    workflow: string,
    branch: string,
    since: Date
  ): Promise<WorkflowRun[]>
  getRun(owner: string, repo: string, runId: number): Promise<WorkflowRun>
}
