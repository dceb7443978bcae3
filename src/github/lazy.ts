/**
 * GitHub's client (Octokit, its plugins, libsodium) is loaded on first use: a run that finds a
 * young key and skips never needs it, and loading it is a large part of the action's start-up.
 */
import type { SecretStore, Workflows } from '../rotation/ports.js'

export interface GitHubAdapters {
  readonly secrets: SecretStore
  readonly workflows: Workflows
}

export function lazyGitHub(load: () => Promise<GitHubAdapters>): GitHubAdapters {
  let loaded: Promise<GitHubAdapters> | undefined
  const adapters = (): Promise<GitHubAdapters> => (loaded ??= load())
  return {
    secrets: {
      preflight: async (target, options) => (await adapters()).secrets.preflight(target, options),
      write: async (target, name, value, access) =>
        (await adapters()).secrets.write(target, name, value, access),
      lastUpdated: async (target, name) => (await adapters()).secrets.lastUpdated(target, name)
    },
    workflows: {
      defaultBranch: async (owner, repo) => (await adapters()).workflows.defaultBranch(owner, repo),
      checkWorkflow: async (owner, repo, workflow) =>
        (await adapters()).workflows.checkWorkflow(owner, repo, workflow),
      dispatch: async (owner, repo, workflow, ref, inputs) =>
        (await adapters()).workflows.dispatch(owner, repo, workflow, ref, inputs),
      listRuns: async (owner, repo, workflow, branch, since) =>
        (await adapters()).workflows.listRuns(owner, repo, workflow, branch, since),
      getRun: async (owner, repo, runId) => (await adapters()).workflows.getRun(owner, repo, runId)
    }
  }
}
