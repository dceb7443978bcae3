/** Thin adapter from the rotation's SecretStore port to GitHub's secrets REST API. */
import { ActionError } from '../errors.js'
import { GitHubCallError, type ScopeAccess, type SecretStore } from '../rotation/ports.js'
import {
  targetLabel,
  type NewOrgSecret,
  type OrgSecretVisibility,
  type SecretNames,
  type Target
} from '../targets.js'
import type { Octokit } from './octokit.js'
import type { WritePacer } from './pacer.js'
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
      return {
        publicKey: 'GET /repos/{owner}/{repo}/dependabot/secrets/public-key',
        secret: '/repos/{owner}/{repo}/dependabot/secrets/{secret_name}',
        params: { owner: target.owner, repo: target.repo }
      }
    case 'org':
      return {
        publicKey: 'GET /orgs/{org}/actions/secrets/public-key',
        secret: '/orgs/{org}/actions/secrets/{secret_name}',
        params: { org: target.org }
      }
  }
}

/** The call as a person reads it, without the host. */
function describe(endpoint: string, params: Record<string, string>): string {
  return endpoint.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(params[name] ?? name)
  )
}

export function createSecretStore(octokit: Octokit, pacer: WritePacer): SecretStore {
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

  type OrgSecretSettings = {
    readonly visibility: OrgSecretVisibility
    readonly selectedRepositoryIds?: readonly number[]
  }

  /**
   * How an organization secret is shared today (written back unchanged), or, for a secret that
   * does not exist yet, how the fleet file asks to share it (private by default).
   */
  async function orgSecretSettings(
    org: string,
    name: string,
    fresh: NewOrgSecret | undefined
  ): Promise<OrgSecretSettings> {
    let visibility: OrgSecretVisibility
    try {
      const { data } = await request<{ visibility: OrgSecretVisibility }>(
        'GET /orgs/{org}/actions/secrets/{secret_name}',
        { org, secret_name: name }
      )
      visibility = data.visibility
    } catch (error) {
      if (!(error instanceof GitHubCallError && error.status === 404)) throw error
      if (!fresh || fresh.visibility !== 'selected')
        return { visibility: fresh?.visibility ?? 'private' }
      const ids: number[] = []
      for (const repository of fresh.selectedRepositories) {
        const [owner = '', repo = ''] = repository.split('/')
        const { data } = await request<{ id: number }>('GET /repos/{owner}/{repo}', { owner, repo })
        ids.push(data.id)
      }
      return { visibility: 'selected', selectedRepositoryIds: ids }
    }
    if (visibility !== 'selected') return { visibility }
    const ids: number[] = []
    for (let page = 1; ; page += 1) {
      const { data } = await request<{ total_count: number; repositories: { id: number }[] }>(
        'GET /orgs/{org}/actions/secrets/{secret_name}/repositories',
        { org, secret_name: name, per_page: 100, page }
      )
      ids.push(...data.repositories.map((repository) => repository.id))
      if (data.repositories.length < 100 || ids.length >= data.total_count) break
    }
    return { visibility, selectedRepositoryIds: ids }
  }

  return {
    async preflight(target, options: { secretNames: SecretNames; newOrgSecret?: NewOrgSecret }) {
      const { publicKey, params } = route(target)
      try {
        const { data, headers } = await request<{ key_id: string; key: string }>(publicKey, params)
        const scopes = headers['x-oauth-scopes']
        if (typeof scopes === 'string') requireClassicScope(target, scopes)
        if (target.kind !== 'org') return { publicKeyId: data.key_id, publicKey: data.key }
        const orgSecrets = new Map<string, OrgSecretSettings>()
        for (const name of [options.secretNames.accessKeyId, options.secretNames.secretAccessKey]) {
          orgSecrets.set(name, await orgSecretSettings(target.org, name, options.newOrgSecret))
        }
        return { publicKeyId: data.key_id, publicKey: data.key, orgSecrets }
      } catch (error) {
        if (error instanceof GitHubCallError && error.status === 404)
          return diagnoseMissing(target, error)
        throw error
      }
    },

    async write(target, name, value, access: ScopeAccess) {
      const { secret, params } = route(target)
      const encrypted = await sealSecret(value, access.publicKey)
      const shared = access.orgSecrets?.get(name)
      await pacer.forTarget(targetLabel(target))
      await request(`PUT ${secret}`, {
        ...params,
        secret_name: name,
        encrypted_value: encrypted,
        key_id: access.publicKeyId,
        ...(shared
          ? {
              visibility: shared.visibility,
              ...(shared.selectedRepositoryIds
                ? { selected_repository_ids: shared.selectedRepositoryIds }
                : {})
            }
          : {})
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
