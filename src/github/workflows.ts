/** Thin adapter from the Workflows port to GitHub's Actions REST API (dispatch and runs). */
import {
  GitHubCallError,
  type Dispatched,
  type WorkflowRun,
  type Workflows
} from '../rotation/ports.js'
import type { Octokit } from './octokit.js'
import type { WritePacer } from './pacer.js'
import { toGitHubCallError } from './secrets.js'

interface RunJson {
  id: number
  html_url: string
  display_title?: string
  name?: string
  status: string | null
  conclusion: string | null
  created_at: string
}

function toRun(run: RunJson): WorkflowRun {
  return {
    id: run.id,
    url: run.html_url,
    title: run.display_title ?? run.name ?? '',
    status: run.status ?? 'unknown',
    conclusion: run.conclusion,
    createdAt: new Date(run.created_at)
  }
}

function without(body: Record<string, unknown>, key: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([name]) => name !== key))
}

export function createWorkflows(octokit: Octokit, pacer: WritePacer): Workflows {
  async function request<T>(
    call: string,
    endpoint: string,
    params: Record<string, unknown>
  ): Promise<T> {
    try {
      return (await octokit.request(endpoint, params)).data as T
    } catch (error) {
      throw toGitHubCallError(call, error)
    }
  }

  return {
    async defaultBranch(owner, repo) {
      const data = await request<{ default_branch: string }>(
        `GET /repos/${owner}/${repo}`,
        'GET /repos/{owner}/{repo}',
        {
          owner,
          repo
        }
      )
      return data.default_branch
    },

    async checkWorkflow(owner, repo, workflow) {
      await request(
        `GET /repos/${owner}/${repo}/actions/workflows/${workflow}`,
        'GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}',
        { owner, repo, workflow_id: workflow }
      )
    },

    async dispatch(owner, repo, workflow, ref, inputs): Promise<Dispatched> {
      const call = `POST /repos/${owner}/${repo}/actions/workflows/${workflow}/dispatches`
      const send = (body: Record<string, unknown>) =>
        request<{ workflow_run_id?: number; html_url?: string } | undefined>(
          call,
          'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
          { owner, repo, workflow_id: workflow, ref, ...body }
        )
      let body: Record<string, unknown> = { inputs, return_run_details: true }
      let inputsAccepted = true
      // Older GitHub Enterprise Server rejects return_run_details; a workflow without our input
      // rejects the input. Each is dropped once, as the server asks.
      for (let attempt = 0; ; attempt += 1) {
        try {
          await pacer.take()
          const data = await send(body)
          const run =
            data && typeof data.workflow_run_id === 'number'
              ? { id: data.workflow_run_id, url: data.html_url ?? '' }
              : undefined
          return { inputsAccepted, ...(run ? { run } : {}) }
        } catch (error) {
          if (!(error instanceof GitHubCallError) || attempt >= 2) throw error
          if (
            (error.status === 422 || error.status === 400) &&
            /return_run_details/.test(error.message) &&
            'return_run_details' in body
          ) {
            body = without(body, 'return_run_details')
          } else if (
            error.status === 422 &&
            /unexpected inputs/i.test(error.message) &&
            'inputs' in body
          ) {
            body = without(body, 'inputs')
            inputsAccepted = false
          } else {
            throw error
          }
        }
      }
    },

    async listRuns(owner, repo, workflow, branch, since) {
      const data = await request<{ workflow_runs: RunJson[] }>(
        `GET /repos/${owner}/${repo}/actions/workflows/${workflow}/runs`,
        'GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs',
        {
          owner,
          repo,
          workflow_id: workflow,
          event: 'workflow_dispatch',
          branch,
          created: `>=${since.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
          per_page: 100
        }
      )
      return data.workflow_runs.map(toRun)
    },

    async getRun(owner, repo, runId) {
      const data = await request<RunJson>(
        `GET /repos/${owner}/${repo}/actions/runs/${runId}`,
        'GET /repos/{owner}/{repo}/actions/runs/{run_id}',
        { owner, repo, run_id: runId }
      )
      return toRun(data)
    }
  }
}
