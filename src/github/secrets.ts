/** Thin adapter from the rotation's SecretStore port to GitHub's secrets REST API. */
import { ActionError } from '../errors.js'
import { GitHubCallError, type ScopeAccess, type SecretStore } from '../rotation/ports.js'
import { targetLabel, type Target } from '../targets.js'
import type { Octokit } from './octokit.js'
import { sealSecret } from './seal.js'

interface OctokitError {
  status?: number
  message?: string
  response?: { data?: unknown; headers?: Record<string, string | number | undefined> }
}

/** Keeps GitHub's status and message only: Octokit errors also carry the request and its token. */
export function toGitHubCallError(call: string, error: unknown): GitHubCallError {
  if (error instanceof GitHubCallError) return error
  const failure = (typeof error === 'object' && error !== null ? error : {}) as OctokitError
  const data = failure.response?.data
  const said =
    typeof data === 'object' &&
    data !== null &&
    'message' in data &&
    typeof data.message === 'string'
      ? data.message
      : (failure.message ?? String(error))
  const accepted = failure.response?.headers?.['x-accepted-github-permissions']
  return new GitHubCallError(
    call,
    failure.status,
    said.replace(/\s+/g, ' ').trim().slice(0, 300),
    accepted === undefined ? undefined : String(accepted)
  )
}

interface Route {
  readonly publicKey: string
  /** The secret's own path (PUT writes it, GET reads its metadata). */
  readonly secret: string
  readonly params: Record<string, string>
}

function route(target: Target): Route {
  switch (target.kind) {
    case 'repo':
      return {
        publicKey: 'GET /repos/{owner}/{repo}/actions/secrets/public-key',
        secret: '/repos/{owner}/{repo}/actions/secrets/{secret_name}',
        params: { owner: target.owner, repo: target.repo }
      }
    case 'env':
      return {
        publicKey: 'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key',
        secret: '/repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}',
        params: { owner: target.owner, repo: target.repo, environment_name: target.environment }
      }
    case 'dependabot':
    case 'org':
      throw new ActionError(
        'inputs',
        `${targetLabel(target)}: ${target.kind} targets are not supported yet.`
      )
  }
}

/** The call as a person reads it, without the host. */
function describe(endpoint: string, params: Record<string, string>): string {
  return endpoint.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(params[name] ?? name)
  )
}

/** GitHub asks for at least a second between content-creating requests. */
export const WRITE_INTERVAL_MS = 1_000

/**
 * Spaces writes by target: writes to the same target as the previous one go at once (the two
 * secrets of a pair are written together, so no reader or crash sees half a pair for long);
 * a write to another target waits until `interval` after the previous target's writes began.
 */
export class TargetPacer {
  private label = ''
  private ready: Promise<void> = Promise.resolve()

  constructor(
    private readonly intervalMs: number,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms))
  ) {}

  wait(label: string): Promise<void> {
    if (label !== this.label) {
      const first = this.label === ''
      this.label = label
      this.ready = this.ready.then(() => (first ? undefined : this.sleep(this.intervalMs)))
    }
    return this.ready
  }
}

export function createSecretStore(
  octokit: Octokit,
  pacer = new TargetPacer(WRITE_INTERVAL_MS)
): SecretStore {
  async function request<T>(
    endpoint: string,
    params: Record<string, unknown>
  ): Promise<{ data: T; headers: Record<string, unknown> }> {
    try {
      const response = await octokit.request(endpoint, params)
      return { data: response.data as T, headers: response.headers as Record<string, unknown> }
    } catch (error) {
      throw toGitHubCallError(describe(endpoint, params as Record<string, string>), error)
    }
  }

  /** Tells a missing environment from a missing repository after a 404. */
  async function diagnoseMissing(target: Target, original: GitHubCallError): Promise<never> {
    if (target.kind !== 'env') throw original
    const repository = `${target.owner}/${target.repo}`
    try {
      await request('GET /repos/{owner}/{repo}', { owner: target.owner, repo: target.repo })
    } catch {
      throw new ActionError(
        'preflight',
        `Target ${targetLabel(target)}: repository ${repository} does not exist or the token cannot see it.`,
        'Fix the target line, or give the token access to the repository.'
      )
    }
    try {
      await request('GET /repos/{owner}/{repo}/environments/{environment_name}', {
        owner: target.owner,
        repo: target.repo,
        environment_name: target.environment
      })
    } catch (error) {
      if (error instanceof GitHubCallError && error.status === 404) {
        throw new ActionError(
          'preflight',
          `Target ${targetLabel(target)}: environment '${target.environment}' does not exist in ${repository}.`,
          `Create it in the repository's Settings → Environments, or fix the target line.`
        )
      }
    }
    throw original
  }

  return {
    async preflight(target) {
      const { publicKey, params } = route(target)
      try {
        const { data, headers } = await request<{ key_id: string; key: string }>(publicKey, params)
        const scopes = headers['x-oauth-scopes']
        if (typeof scopes === 'string') requireClassicScope(target, scopes)
        return { publicKeyId: data.key_id, publicKey: data.key }
      } catch (error) {
        if (error instanceof GitHubCallError && error.status === 404)
          return diagnoseMissing(target, error)
        throw error
      }
    },

    async write(target, name, value, access: ScopeAccess) {
      const { secret, params } = route(target)
      const encrypted = await sealSecret(value, access.publicKey)
      await pacer.wait(targetLabel(target))
      await request(`PUT ${secret}`, {
        ...params,
        secret_name: name,
        encrypted_value: encrypted,
        key_id: access.publicKeyId
      })
    },

    async lastUpdated(target, name) {
      const { secret, params } = route(target)
      try {
        const { data } = await request<{ updated_at?: string }>(`GET ${secret}`, {
          ...params,
          secret_name: name
        })
        return data.updated_at ? new Date(data.updated_at) : undefined
      } catch (error) {
        if (error instanceof GitHubCallError && error.status === 404) return undefined
        throw error
      }
    }
  }
}

/** A classic token shows its scopes; without `repo` it can read a public key but not write. */
function requireClassicScope(target: Target, scopes: string): void {
  const granted = scopes.split(',').map((scope) => scope.trim())
  const needed = target.kind === 'org' ? 'admin:org' : 'repo'
  if (!granted.includes(needed)) {
    throw new ActionError(
      'preflight',
      `Target ${targetLabel(target)}: the classic token has the scopes [${granted.filter(Boolean).join(', ')}], which cannot write secrets.`,
      `Give the token the ${needed} scope, or use a fine-grained token or a GitHub App token with the permission to write secrets.`
    )
  }
}
