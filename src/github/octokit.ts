import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import type { Log } from '../rotation/ports.js'

export type Octokit = ReturnType<typeof getOctokit>

/** How often a request stopped by a rate limit is tried again before the run gives up. */
const RATE_LIMIT_RETRIES = 3

/**
 * Octokit with GitHub's recommended manners: writes in series with a pause (throttling plugin),
 * `retry-after` honoured, 5xx retried (retry plugin, which never retries 4xx other than 429).
 * The API base comes from GITHUB_API_URL, so GitHub Enterprise Server works as is.
 */
export function createOctokit(token: string, userAgent: string, log: Log): Octokit {
  return getOctokit(
    token,
    {
      userAgent,
      throttle: {
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
