/**
 * The fewest requests the SPEC's flow needs ("The rotation, in order"), derived step by step from
 * the flow and not from the action's code: the bench compares what the fakes received with this,
 * operation by operation, and fails on any difference.
 *
 * Derived only for what the bench runs: a user whose keys need no clean-up (no inactive key),
 * `delete-after-days: 0`, no smoke checks, and a key STS accepts at once (the verification polls
 * of a key that propagates slowly are measured by the propagation scenario instead).
 */

/** Request counts by operation (see classifyAws / classifyGitHub). */
export type Counts = Record<string, number>

/**
 * SPEC step 4, "require a couple of consecutive successes": two GetCallerIdentity calls with the
 * new key when STS accepts it at once (each rejected poll before that adds one).
 */
export const VERIFY_SUCCESSES = 2

export interface RotationFlow {
  /** Self-rotation: the job runs with the key it rotates. Otherwise role credentials + iam-user-name. */
  readonly selfRotation: boolean
  /** How many keys the user has when the run starts (1 or 2, all active is not rotatable). */
  readonly keysAtStart: number
  /** Whether the old key is retired (an old key exists). */
  readonly oldKey: boolean
}

/** IAM and STS: SPEC steps 1 (resolve), 3 (create), 4 (verify) and 7 (retire). */
export function minimumAws(flow: RotationFlow): Counts {
  const counts: Counts = {
    // 1. Resolve: who the credentials are…
    'sts:GetCallerIdentity (job credentials)': 1,
    // …the user's keys (one page: at most two keys) and each key's last use.
    'iam:ListAccessKeys': 1,
    'iam:GetAccessKeyLastUsed': flow.keysAtStart,
    // 3. Create, and describe the key (IAM keeps a key's description as a user tag).
    'iam:CreateAccessKey': 1,
    'iam:TagUser': 1,
    // 4. Verify.
    'sts:GetCallerIdentity (new key)': VERIFY_SUCCESSES
  }
  // A named user that is not the caller's must be read to learn its ARN (what STS must answer).
  if (!flow.selfRotation) counts['iam:GetUser'] = 1
  if (flow.oldKey) {
    // 7. Retire: deactivate, delete, remove the deleted key's description.
    counts['iam:UpdateAccessKey'] = 1
    counts['iam:DeleteAccessKey'] = 1
    counts['iam:UntagUser'] = 1
  }
  return counts
}

export type Visibility = 'all' | 'private' | 'selected'

export type FlowTarget =
  | { readonly kind: 'repo' | 'env' | 'dependabot' }
  | {
      readonly kind: 'org'
      /** How each of the two secrets is shared today. */
      readonly visibility: Visibility
      /** For `selected`: how many repositories it is shared with (100 a page). */
      readonly selectedRepositories?: number
    }

/** The two secrets every target holds (the key ID and the secret access key). */
export const SECRETS_PER_TARGET = 2

/** GitHub: SPEC steps 2 (preflight) and 5 (store). */
export function minimumGitHub(targets: readonly FlowTarget[]): Counts {
  const counts: Counts = {}
  const add = (operation: string, count: number): void => {
    if (count > 0) counts[operation] = (counts[operation] ?? 0) + count
  }
  for (const target of targets) {
    // 2. Preflight: the scope's public key (proves it exists and the token reaches it; 5 seals
    // with it, so it is read once per scope).
    add('GET public key', 1)
    if (target.kind === 'org') {
      // Each secret's sharing, written back unchanged; for `selected`, its repository list.
      add('GET org secret', SECRETS_PER_TARGET)
      if (target.visibility === 'selected') {
        const pages = Math.max(1, Math.ceil((target.selectedRepositories ?? 0) / 100))
        add('GET org secret repositories', SECRETS_PER_TARGET * pages)
      }
    }
    // 5. Store: one PUT per secret.
    add('PUT secret', SECRETS_PER_TARGET)
  }
  return counts
}

/** GitHub requests as operations, whatever the scope. */
export function classifyGitHub(method: string, path: string): string {
  const pathname = path.split('?')[0] ?? ''
  if (method === 'GET' && /\/secrets\/public-key$/.test(pathname)) return 'GET public key'
  if (method === 'GET' && /^\/orgs\/[^/]+\/actions\/secrets\/[^/]+\/repositories$/.test(pathname))
    return 'GET org secret repositories'
  if (method === 'GET' && /^\/orgs\/[^/]+\/actions\/secrets\/[^/]+$/.test(pathname))
    return 'GET org secret'
  if (method === 'PUT' && /\/secrets\/[^/]+$/.test(pathname)) return 'PUT secret'
  return `${method} ${pathname}`
}

/** IAM/STS requests as operations; GetCallerIdentity split by the key that signed it. */
export function classifyAws(
  request: { service: string; action: string; accessKeyId?: string },
  jobKeyId: string
): string {
  if (request.action === 'GetCallerIdentity') {
    return request.accessKeyId === jobKeyId
      ? 'sts:GetCallerIdentity (job credentials)'
      : 'sts:GetCallerIdentity (new key)'
  }
  return `${request.service}:${request.action}`
}

export function count(operations: readonly string[]): Counts {
  const counts: Counts = {}
  for (const operation of operations) counts[operation] = (counts[operation] ?? 0) + 1
  return counts
}

export function total(counts: Counts): number {
  return Object.values(counts).reduce((sum, value) => sum + value, 0)
}

/** Every operation whose count differs, as `operation: observed (minimum N)`. */
export function differences(observed: Counts, minimum: Counts): string[] {
  const operations = [...new Set([...Object.keys(minimum), ...Object.keys(observed)])].sort()
  return operations
    .filter((operation) => (observed[operation] ?? 0) !== (minimum[operation] ?? 0))
    .map(
      (operation) =>
        `${operation}: ${observed[operation] ?? 0} (minimum ${minimum[operation] ?? 0})`
    )
}
