import { getOctokit } from '@actions/github'
import { throttling } from '@octokit/plugin-throttling'
import sodium from 'libsodium-wrappers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeGitHub } from '../../sandbox/github-fake.js'
import type { WorkflowRunContext } from '../../sandbox/github-fake.js'

const REPO = 'acme/app'
const ENV = 'prod/us-east-1'
const [owner, repo] = ['acme', 'app']

/** Exactly as GitHub's "Encrypting secrets for the REST API" shows. */
async function seal(secret: string, key: string): Promise<string> {
  await sodium.ready
  const binkey = sodium.from_base64(key, sodium.base64_variants.ORIGINAL)
  const binsec = sodium.from_string(secret)
  const encBytes = sodium.crypto_box_seal(binsec, binkey)
  return sodium.to_base64(encBytes, sodium.base64_variants.ORIGINAL)
}

interface Failure {
  status: number
  message: string
  headers: Record<string, string | number | undefined>
  data: unknown
}

async function failure(promise: Promise<unknown>): Promise<Failure> {
  try {
    await promise
  } catch (error) {
    const e = error as {
      status?: number
      message?: string
      response?: { headers?: Record<string, string | number | undefined>; data?: unknown }
    }
    if (typeof e.status !== 'number') throw error
    return {
      status: e.status,
      message: e.message ?? '',
      headers: e.response?.headers ?? {},
      data: e.response?.data
    }
  }
  throw new Error('expected the request to fail')
}

function octokit(fake: FakeGitHub, token: string): ReturnType<typeof getOctokit> {
  return getOctokit(token, { baseUrl: fake.url })
}

describe('FakeGitHub', () => {
  let fake: FakeGitHub
  let gate: () => void = () => undefined
  const seen: WorkflowRunContext[] = []
  const seenEnv: Array<Record<string, string>> = []
  let appId = 0
  let otherId = 0

  beforeAll(async () => {
    fake = await FakeGitHub.start()
    fake.addOrg('acme')
    appId = fake.addRepo(REPO, {
      environments: [ENV, 'staging'],
      workflows: [
        {
          file: 'aws-smoke.yml',
          name: 'AWS smoke test',
          runName: (inputs) => `smoke ${inputs['correlation_id'] ?? ''}`,
          handler: async (ctx) => {
            await new Promise<void>((resolve) => {
              gate = resolve
            })
            seen.push(ctx)
            const env = ctx.environmentSecrets(ENV)
            seenEnv.push(env)
            return env['AWS_SECRET_ACCESS_KEY'] === 'env-new' ? 'success' : 'failure'
          }
        },
        { file: 'plain.yml' }
      ]
    }).id
    otherId = fake.addRepo('acme/other', { private: true }).id
    fake.addRepo('acme/unrelated')
    fake.addToken('ghp_admin', { kind: 'pat-classic', scopes: ['repo', 'admin:org', 'workflow'] })
    fake.addToken('ghp_reponly', { kind: 'pat-classic', scopes: ['repo'] })
    fake.addToken('ghs_actions', {
      kind: 'github-token',
      permissions: { secrets: 'write', environments: 'write', actions: 'write' },
      repositories: [REPO]
    })
    fake.addToken('github_pat_ro', {
      kind: 'pat-fine-grained',
      permissions: { secrets: 'read' },
      repositories: [REPO]
    })
    fake.addToken('github_pat_rw', {
      kind: 'pat-fine-grained',
      permissions: {
        secrets: 'write',
        environments: 'write',
        dependabot_secrets: 'write',
        actions: 'write'
      },
      repositories: [REPO]
    })
    fake.addToken('ghs_app', {
      kind: 'app',
      permissions: { organization_secrets: 'write', secrets: 'write' }
    })
  })

  afterAll(async () => {
    gate()
    await fake.close()
  })

  it('round-trips a repository secret: seal → PUT 201, then 204, opened plaintext stored', async () => {
    const gh = octokit(fake, 'github_pat_rw')
    const { data: key, headers } = await gh.rest.actions.getRepoPublicKey({ owner, repo })
    const expected = fake.publicKey(`repo:${REPO}`)
    expect(key).toEqual({ key_id: expected.keyId, key: expected.key })
    expect(headers['x-accepted-github-permissions']).toBe('secrets=read')
    expect(headers['x-github-request-id']).toBeTruthy()
    expect(headers['x-ratelimit-resource']).toBe('core')
    expect(sodium.from_base64(key.key, sodium.base64_variants.ORIGINAL)).toHaveLength(32)

    const put = (value: string): Promise<{ status: number }> =>
      seal(value, key.key).then((encrypted_value) =>
        gh.rest.actions.createOrUpdateRepoSecret({
          owner,
          repo,
          secret_name: 'AWS_ACCESS_KEY_ID',
          encrypted_value,
          key_id: key.key_id
        })
      )
    expect((await put('AKIAFIRST')).status).toBe(201)
    expect((await put('AKIASECOND')).status).toBe(204)
    const stored = fake.secret(`repo:${REPO}`, 'AWS_ACCESS_KEY_ID')
    expect(stored?.value).toBe('AKIASECOND')
    expect(stored?.keyId).toBe(key.key_id)
    expect(fake.secrets(`repo:${REPO}`).map((s) => s.name)).toContain('AWS_ACCESS_KEY_ID')

    const writes = fake.writes().filter((w) => w.scope === `repo:${REPO}`)
    expect(writes.map((w) => [w.method, w.status])).toEqual([
      ['PUT', 201],
      ['PUT', 204]
    ])
    expect(JSON.stringify(fake.requests)).not.toMatch(/github_pat_rw|encrypted_value|AKIA/)
  })

  it('round-trips an environment secret whose name contains a slash', async () => {
    const gh = octokit(fake, 'github_pat_rw')
    const { data: key } = await gh.rest.actions.getEnvironmentPublicKey({
      owner,
      repo,
      environment_name: ENV
    })
    expect(key.key_id).toBe(fake.publicKey(`env:${REPO}/${ENV}`).keyId)
    expect(key.key).not.toBe(fake.publicKey(`repo:${REPO}`).key)
    const last = fake.requests.at(-1)
    expect(last?.path).toBe(`/repos/${REPO}/environments/prod%2Fus-east-1/secrets/public-key`)
    expect(last?.scope).toBe(`env:${REPO}/${ENV}`)

    const statuses: number[] = []
    for (const value of ['env-one', 'env-two']) {
      const res = await gh.rest.actions.createOrUpdateEnvironmentSecret({
        owner,
        repo,
        environment_name: ENV,
        secret_name: 'AWS_SECRET_ACCESS_KEY',
        encrypted_value: await seal(value, key.key),
        key_id: key.key_id
      })
      statuses.push(res.status)
    }
    expect(statuses).toEqual([201, 204])
    expect(fake.secret(`env:${REPO}/${ENV}`, 'AWS_SECRET_ACCESS_KEY')?.value).toBe('env-two')

    const env = await gh.request('GET /repos/{owner}/{repo}/environments/{environment_name}', {
      owner,
      repo,
      environment_name: ENV
    })
    expect(env.data).toMatchObject({ name: ENV })
  })

  it('rejects a value sealed with another scope key, a stale key_id and bad names (422)', async () => {
    const gh = octokit(fake, 'ghp_admin')
    const repoKey = fake.publicKey(`repo:${REPO}`)
    const envKey = fake.publicKey(`env:${REPO}/staging`)
    const put = (
      encrypted_value: string,
      key_id: string,
      secret_name = 'X_KEY'
    ): Promise<unknown> =>
      gh.rest.actions.createOrUpdateRepoSecret({
        owner,
        repo,
        secret_name,
        encrypted_value,
        key_id
      })

    const otherScope = await failure(put(await seal('v', envKey.key), repoKey.keyId))
    expect(otherScope.status).toBe(422)
    expect(otherScope.message).toMatch(/^Invalid request\./)
    expect(otherScope.data).toMatchObject({ status: '422' })

    const wrongId = await failure(put(await seal('v', repoKey.key), envKey.keyId))
    expect(wrongId.status).toBe(422)

    fake.rotatePublicKey(`repo:${REPO}`)
    const stale = await failure(put(await seal('v', repoKey.key), repoKey.keyId))
    expect(stale.status).toBe(422)
    const fresh = fake.publicKey(`repo:${REPO}`)
    expect(fresh.keyId).not.toBe(repoKey.keyId)

    for (const name of ['GITHUB_TOKEN_COPY', '1ABC', 'HAS-DASH']) {
      expect((await failure(put(await seal('v', fresh.key), fresh.keyId, name))).status).toBe(422)
    }
    expect(fake.secret(`repo:${REPO}`, 'X_KEY')).toBeUndefined()
    expect(
      (await put(await seal('v', fresh.key), fresh.keyId)) as { status: number }
    ).toMatchObject({ status: 201 })
  })

  it('answers permission errors the way GitHub does', async () => {
    const ghToken = await failure(
      octokit(fake, 'ghs_actions').rest.actions.getRepoPublicKey({ owner, repo })
    )
    expect(ghToken.status).toBe(403)
    expect(ghToken.message).toMatch(/^Resource not accessible by integration/)
    expect(ghToken.headers['x-accepted-github-permissions']).toBe('secrets=read')

    const ro = octokit(fake, 'github_pat_ro')
    const { data: key } = await ro.rest.actions.getRepoPublicKey({ owner, repo })
    const denied = await failure(
      ro.rest.actions.createOrUpdateRepoSecret({
        owner,
        repo,
        secret_name: 'RO_TEST',
        encrypted_value: await seal('v', key.key),
        key_id: key.key_id
      })
    )
    expect(denied.status).toBe(403)
    expect(denied.message).toMatch(/^Resource not accessible by personal access token/)
    expect(denied.headers['x-accepted-github-permissions']).toBe('secrets=write')

    const hidden = await failure(ro.rest.actions.getRepoPublicKey({ owner, repo: 'unrelated' }))
    expect(hidden.status).toBe(404)

    const classic = await failure(
      octokit(fake, 'ghp_reponly').rest.actions.getOrgPublicKey({ org: 'acme' })
    )
    expect(classic.status).toBe(403)
    expect(classic.message).toMatch(/^Must have admin rights to Organization\./)
    expect(classic.headers['x-oauth-scopes']).toBe('repo')
  })

  it('404s a missing environment and 401s an unknown token', async () => {
    const missing = await failure(
      octokit(fake, 'ghp_admin').rest.actions.getEnvironmentPublicKey({
        owner,
        repo,
        environment_name: 'nope'
      })
    )
    expect(missing.status).toBe(404)
    expect(missing.data).toMatchObject({ message: 'Not Found', status: '404' })

    const unknown = await failure(octokit(fake, 'ghp_unknown').rest.repos.get({ owner, repo }))
    expect(unknown.status).toBe(401)
    expect(unknown.data).toMatchObject({ message: 'Bad credentials', status: '401' })
  })

  it('keeps and reads the repositories of a selected-visibility org secret', async () => {
    const gh = octokit(fake, 'ghs_app')
    const { data: key } = await gh.rest.actions.getOrgPublicKey({ org: 'acme' })
    const put = async (value: string): Promise<number> =>
      (
        await gh.rest.actions.createOrUpdateOrgSecret({
          org: 'acme',
          secret_name: 'ORG_AWS_KEY',
          encrypted_value: await seal(value, key.key),
          key_id: key.key_id,
          visibility: 'selected',
          selected_repository_ids: [appId, otherId]
        })
      ).status
    expect(await put('org-1')).toBe(201)
    const { data: meta } = await gh.rest.actions.getOrgSecret({
      org: 'acme',
      secret_name: 'ORG_AWS_KEY'
    })
    expect(meta.visibility).toBe('selected')
    const { data: selected } = await gh.rest.actions.listSelectedReposForOrgSecret({
      org: 'acme',
      secret_name: 'ORG_AWS_KEY'
    })
    expect(selected.repositories.map((r) => r.full_name).sort()).toEqual(['acme/app', 'acme/other'])
    expect(await put('org-2')).toBe(204)
    expect(fake.secret('org:acme', 'ORG_AWS_KEY')).toMatchObject({
      value: 'org-2',
      visibility: 'selected',
      selectedRepositoryIds: [appId, otherId]
    })

    const noVisibility = await failure(
      // Untyped route (the typed one requires `visibility`, which is what this checks).
      gh.request('PUT /orgs/{org}/actions/secrets/{name}', {
        org: 'acme',
        name: 'ORG_AWS_KEY',
        encrypted_value: await seal('x', key.key),
        key_id: key.key_id
      })
    )
    expect(noVisibility.status).toBe(422)
    expect(noVisibility.message).toContain('"visibility" wasn\'t supplied.')
  })

  it('gives Dependabot its own key', async () => {
    const gh = octokit(fake, 'github_pat_rw')
    const { data: actionsKey } = await gh.rest.actions.getRepoPublicKey({ owner, repo })
    const { data: depKey } = await gh.rest.dependabot.getRepoPublicKey({ owner, repo })
    expect(depKey.key_id).not.toBe(actionsKey.key_id)
    expect(depKey.key).not.toBe(actionsKey.key)
    const res = await gh.rest.dependabot.createOrUpdateRepoSecret({
      owner,
      repo,
      secret_name: 'AWS_ACCESS_KEY_ID',
      encrypted_value: await seal('dep', depKey.key),
      key_id: depKey.key_id
    })
    expect(res.status).toBe(201)
    expect(fake.secret(`dependabot:${REPO}`, 'AWS_ACCESS_KEY_ID')?.value).toBe('dep')
  })

  it('runs a dispatched workflow with the secrets of queue time and the env secrets of job start', async () => {
    fake.setSecret(`repo:${REPO}`, 'AWS_ACCESS_KEY_ID', 'queued-value')
    fake.setSecret(`env:${REPO}/${ENV}`, 'AWS_SECRET_ACCESS_KEY', 'env-old')
    const gh = octokit(fake, 'ghp_admin')
    const { data: wf } = await gh.rest.actions.getWorkflow({
      owner,
      repo,
      workflow_id: 'aws-smoke.yml'
    })
    expect(wf).toMatchObject({ name: 'AWS smoke test', path: '.github/workflows/aws-smoke.yml' })

    const res = await gh.request(
      'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
      {
        owner,
        repo,
        workflow_id: wf.id,
        ref: 'main',
        inputs: { correlation_id: 'abc123' },
        return_run_details: true
      }
    )
    expect(res.status).toBe(200)
    const details = res.data as unknown as { workflow_run_id: number; html_url: string }
    expect(details.html_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/acme\/app\/actions\/runs\/\d+$/)

    // Written after queueing: repo secret not seen by the run, env secret seen by the job.
    fake.setSecret(`repo:${REPO}`, 'AWS_ACCESS_KEY_ID', 'later-value')
    fake.setSecret(`env:${REPO}/${ENV}`, 'AWS_SECRET_ACCESS_KEY', 'env-new')
    await new Promise((resolve) => setTimeout(resolve, 40))
    const { data: running } = await gh.rest.actions.getWorkflowRun({
      owner,
      repo,
      run_id: details.workflow_run_id
    })
    expect(running.status).toBe('in_progress')
    gate()
    await fake.waitForRuns()

    const { data: run } = await gh.rest.actions.getWorkflowRun({
      owner,
      repo,
      run_id: details.workflow_run_id
    })
    expect(run).toMatchObject({
      status: 'completed',
      conclusion: 'success',
      event: 'workflow_dispatch',
      head_branch: 'main',
      display_title: 'smoke abc123',
      workflow_id: wf.id,
      html_url: details.html_url
    })
    expect(seen[0]?.secrets['AWS_ACCESS_KEY_ID']).toBe('queued-value')
    expect(seen[0]?.secrets['ORG_AWS_KEY']).toBe('org-2')
    expect(seen[0]?.inputs).toEqual({ correlation_id: 'abc123' })
    expect(seenEnv[0]?.['AWS_SECRET_ACCESS_KEY']).toBe('env-new')
    expect(fake.runs(REPO)[0]).toMatchObject({ workflow: 'aws-smoke.yml', conclusion: 'success' })

    const badRef = await failure(
      gh.rest.actions.createWorkflowDispatch({
        owner,
        repo,
        workflow_id: 'plain.yml',
        ref: 'no-such-branch'
      })
    )
    expect(badRef.status).toBe(422)
    expect(badRef.message).toMatch(/^No ref found for: no-such-branch/)
  })

  it('filters the runs listing by created>= and lists newest first', async () => {
    const gh = octokit(fake, 'github_pat_rw')
    const before = new Date()
    for (let i = 0; i < 2; i++) {
      await gh.rest.actions.createWorkflowDispatch({
        owner,
        repo,
        workflow_id: 'plain.yml',
        ref: 'main'
      })
    }
    const list = (created: string): ReturnType<typeof gh.rest.actions.listWorkflowRuns> =>
      gh.rest.actions.listWorkflowRuns({
        owner,
        repo,
        workflow_id: 'plain.yml',
        event: 'workflow_dispatch',
        branch: 'main',
        created
      })
    const { data } = await list(`>=${before.toISOString()}`)
    expect(data.total_count).toBe(2)
    const [first, second] = data.workflow_runs
    expect((first?.id ?? 0) > (second?.id ?? 0)).toBe(true)
    const future = new Date(before.getTime() + 5000).toISOString()
    expect((await list(`>=${future}`)).data.total_count).toBe(0)
    await fake.waitForRuns()
  })

  it('answers return_run_details as supported, ignored or rejected', async () => {
    const modes = ['ignored', 'rejected'] as const
    const outcomes: Record<string, number> = {}
    for (const mode of modes) {
      const other = await FakeGitHub.start({ returnRunDetails: mode })
      try {
        other.addRepo(REPO, { workflows: [{ file: 'aws-smoke.yml' }] })
        other.addToken('t', { kind: 'app', permissions: { actions: 'write' } })
        const gh = octokit(other, 't')
        const attempt = gh.request(
          'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
          { owner, repo, workflow_id: 'aws-smoke.yml', ref: 'main', return_run_details: true }
        )
        if (mode === 'rejected') {
          const err = await failure(attempt)
          expect(err.message).toContain('return_run_details')
          outcomes[mode] = err.status
          expect(other.runs()).toHaveLength(0)
        } else {
          outcomes[mode] = (await attempt).status
          expect(other.runs()).toHaveLength(1)
        }
      } finally {
        await other.close()
      }
    }
    expect(outcomes).toEqual({ ignored: 204, rejected: 422 })
  })

  it('serves under a GHES path prefix and 404s outside it', async () => {
    const ghes = await FakeGitHub.start({ pathPrefix: '/api/v3' })
    try {
      ghes.addRepo(REPO)
      ghes.addToken('t', { kind: 'pat-classic', scopes: ['repo'] })
      expect(ghes.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v3$/)
      const { data } = await octokit(ghes, 't').rest.repos.get({ owner, repo })
      expect(data.full_name).toBe(REPO)
      expect(ghes.requests.at(-1)?.path).toBe(`/repos/${REPO}`)
      const root = await fetch(ghes.url.replace(/\/api\/v3$/, '/'), {
        headers: { authorization: 'token t' }
      })
      expect(root.status).toBe(404)
      await root.arrayBuffer()
    } finally {
      await ghes.close()
    }
  })

  it('answers the secondary write limit with 403 and retry-after; rejected writes do not count', async () => {
    const limited = await FakeGitHub.start({
      secondaryWriteLimit: { limit: 2, windowMs: 60_000, retryAfterSeconds: 7 }
    })
    try {
      limited.addRepo(REPO)
      limited.addToken('t', { kind: 'app', permissions: { secrets: 'write' } })
      const gh = octokit(limited, 't')
      const { data: key } = await gh.rest.actions.getRepoPublicKey({ owner, repo })
      const put = async (name: string): Promise<unknown> =>
        gh.rest.actions.createOrUpdateRepoSecret({
          owner,
          repo,
          secret_name: name,
          encrypted_value: await seal('v', key.key),
          key_id: key.key_id
        })
      await put('A')
      await put('B')
      const err = await failure(put('C'))
      expect(err.status).toBe(403)
      expect(err.message).toMatch(/secondary rate limit/)
      expect(err.headers['retry-after']).toBe('7')
      expect(limited.secret(`repo:${REPO}`, 'C')).toBeUndefined()
      // GETs are not content-creating.
      await gh.rest.actions.getRepoPublicKey({ owner, repo })
      expect(limited.writes().map((w) => w.status)).toEqual([201, 201, 403])
    } finally {
      await limited.close()
    }
  })

  it('is recognised as a secondary rate limit by @octokit/plugin-throttling', async () => {
    const limited = await FakeGitHub.start({
      secondaryWriteLimit: { limit: 0, windowMs: 60_000, retryAfterSeconds: 3 }
    })
    try {
      limited.addRepo(REPO, { workflows: [{ file: 'plain.yml' }] })
      limited.addToken('t', { kind: 'app', permissions: { actions: 'write' } })
      const calls: number[] = []
      const gh = getOctokit(
        't',
        {
          baseUrl: limited.url,
          throttle: {
            onRateLimit: () => false,
            onSecondaryRateLimit: (retryAfter: number) => {
              calls.push(retryAfter)
              return false
            }
          }
        },
        throttling
      )
      const err = await failure(
        gh.rest.actions.createWorkflowDispatch({
          owner,
          repo,
          workflow_id: 'plain.yml',
          ref: 'main'
        })
      )
      expect(err.status).toBe(403)
      expect(calls).toEqual([3])
      expect(limited.runs()).toHaveLength(0)
    } finally {
      await limited.close()
    }
  })

  it('injects faults: afterSuccess performs the write, then answers the fault once', async () => {
    const gh = octokit(fake, 'ghp_admin')
    const key = fake.publicKey(`repo:${REPO}`)
    fake.injectFault({
      method: 'PUT',
      path: /\/actions\/secrets\/AFTER_SUCCESS$/,
      status: 502,
      afterSuccess: true
    })
    const put = async (value: string): Promise<{ status: number }> =>
      gh.rest.actions.createOrUpdateRepoSecret({
        owner,
        repo,
        secret_name: 'AFTER_SUCCESS',
        encrypted_value: await seal(value, key.key),
        key_id: key.keyId
      })
    const err = await failure(put('written'))
    expect(err.status).toBe(502)
    expect(fake.secret(`repo:${REPO}`, 'AFTER_SUCCESS')?.value).toBe('written')
    expect((await put('again')).status).toBe(204)

    fake.injectFault({ path: `/repos/${REPO}`, status: 500, times: 2 })
    expect((await failure(gh.rest.repos.get({ owner, repo }))).status).toBe(500)
    expect((await failure(gh.rest.repos.get({ owner, repo }))).status).toBe(500)
    expect((await gh.rest.repos.get({ owner, repo })).status).toBe(200)
  })

  it('hangs on request and close() still returns', async () => {
    const hanging = await FakeGitHub.start({ latencyMs: 5 })
    hanging.addRepo(REPO)
    hanging.addToken('t', { kind: 'pat-classic', scopes: ['repo'] })
    hanging.injectFault({ path: `/repos/${REPO}`, hang: true })
    const pending = octokit(hanging, 't')
      .rest.repos.get({ owner, repo })
      .then(
        () => 'answered',
        () => 'failed'
      )
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(hanging.requests[0]?.status).toBe(0)
    await hanging.close()
    expect(await pending).toBe('failed')
  })
})
