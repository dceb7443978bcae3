import { getOctokit } from '@actions/github'
import { defaults } from '@actions/github/lib/utils'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import type { Log } from '../rotation/ports.js'

export type Octokit = ReturnType<typeof getOctokit>

/** How often a request stopped by a rate limit is tried again before the run gives up. */
const RATE_LIMIT_RETRIES = 3

/**
 * Lets writes through unpaced: the secret store paces writes itself, per target, so that the two
 * secrets of one target are written together (see github/secrets.ts). The throttling plugin still
 * handles rate-limit answers and `retry-after`.
 */
const UNPACED_WRITES = {
  key: () => ({
    schedule: <T>(_options: unknown, job: () => Promise<T>): Promise<T> => job()
  })
}

type Fetch = typeof fetch

/**
 * @actions/github's fetch (which honours the runner's proxy settings) with a deadline on every
 * attempt: Octokit has none, and a hung request would hold the job, and the old key, for hours.
 */
export function withTimeout(base: Fetch, timeoutMs: number): Fetch {
  return async (input, init) => {
    const deadline = AbortSignal.timeout(timeoutMs)
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline
    try {
      return await base(input, { ...init, signal })
    } catch (error) {
      if (deadline.aborted) {
        throw Object.assign(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`), {
          name: 'TimeoutError'
        })
      }
      throw error
    }
  }
}

/**
 * Octokit with GitHub's recommended manners: writes in series with a pause (throttling plugin),
 * `retry-after` honoured, 5xx retried (retry plugin, which never retries 4xx other than 429),
 * and a deadline on every request. The API base comes from GITHUB_API_URL, so GitHub Enterprise
 * Server works as is.
 */
export function createOctokit(
  token: string,
  userAgent: string,
  log: Log,
  requestTimeoutMs: number
): Octokit {
  const proxyFetch = (defaults.request?.fetch ?? fetch) as Fetch
  return getOctokit(
    token,
    {
      userAgent,
      request: { fetch: withTimeout(proxyFetch, requestTimeoutMs) },
      throttle: {
        // Structurally what the plugin calls on its Bottleneck group: key(id).schedule(options, job).
        write: UNPACED_WRITES as never,
        onRateLimit: (
          retryAfter: number,
          options: { method: string; url: string },
          _octokit: unknown,
          retryCount: number
        ) => {
          log.warning(
            `GitHub rate limit reached for ${options.method} ${options.url}; waiting ${retryAfter} s.`
          )
          return retryCount < RATE_LIMIT_RETRIES
        },
        onSecondaryRateLimit: (
          retryAfter: number,
          options: { method: string; url: string },
          _octokit: unknown,
          retryCount: number
        ) => {
          log.info(
            `GitHub secondary rate limit for ${options.method} ${options.url}; waiting ${retryAfter} s.`
          )
          return retryCount < RATE_LIMIT_RETRIES
        }
      }
    },
    throttling,
    retry
  )
}
