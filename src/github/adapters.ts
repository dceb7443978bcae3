/**
 * Everything the rotation needs from GitHub, built in one place: one module, so that main can
 * load it (Octokit, its plugins, libsodium) as one chunk on first use.
 */
import type { Log } from '../rotation/ports.js'
import type { GitHubAdapters } from './lazy.js'
import { createOctokit } from './octokit.js'
import { WritePacer } from './pacer.js'
import { createSecretStore } from './secrets.js'
import { createWorkflows } from './workflows.js'

export interface GitHubSettings {
  readonly token: string
  readonly userAgent: string
  readonly requestTimeoutMs: number
  readonly writesPerMinute: number
}

export function createGitHubAdapters(settings: GitHubSettings, log: Log): GitHubAdapters {
  const octokit = createOctokit(settings.token, settings.userAgent, log, settings.requestTimeoutMs)
  // One pacer for every write of the run: GitHub's limit is per token, not per target.
  const pacer = new WritePacer(settings.writesPerMinute)
  return { secrets: createSecretStore(octokit, pacer), workflows: createWorkflows(octokit, pacer) }
}
