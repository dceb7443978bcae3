export const id = 257;
export const ids = [257];
export const modules = {

/***/ 6257:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  createGitHubAdapters: () => (/* binding */ createGitHubAdapters)
});

// EXTERNAL MODULE: ./node_modules/@actions/github/lib/github.js
var github = __webpack_require__(1351);
// EXTERNAL MODULE: ./node_modules/@actions/github/lib/utils.js + 19 modules
var utils = __webpack_require__(5555);
// EXTERNAL MODULE: ./node_modules/@octokit/plugin-retry/dist-bundle/index.js
var dist_bundle = __webpack_require__(9735);
// EXTERNAL MODULE: ./node_modules/@octokit/plugin-throttling/dist-bundle/index.js
var plugin_throttling_dist_bundle = __webpack_require__(6856);
;// CONCATENATED MODULE: ./src/github/octokit.ts




/** How often a request stopped by a rate limit is tried again before the run gives up. */
const RATE_LIMIT_RETRIES = 3;
/**
 * Lets writes through unpaced: the secret store paces writes itself, per target, so that the two
 * secrets of one target are written together (see github/secrets.ts). The throttling plugin still
 * handles rate-limit answers and `retry-after`.
 */
const UNPACED_WRITES = {
    key: () => ({
        schedule: (_options, job) => job()
    })
};
/**
 * @actions/github's fetch (which honours the runner's proxy settings) with a deadline on every
 * attempt: Octokit has none, and a hung request would hold the job, and the old key, for hours.
 */
function withTimeout(base, timeoutMs) {
    return async (input, init) => {
        const deadline = AbortSignal.timeout(timeoutMs);
        const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
        try {
            return await base(input, { ...init, signal });
        }
        catch (error) {
            if (deadline.aborted) {
                throw Object.assign(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`), {
                    name: 'TimeoutError'
                });
            }
            throw error;
        }
    };
}
/**
 * Octokit with GitHub's recommended manners: writes in series with a pause (throttling plugin),
 * `retry-after` honoured, 5xx retried (retry plugin, which never retries 4xx other than 429),
 * and a deadline on every request. The API base comes from GITHUB_API_URL, so GitHub Enterprise
 * Server works as is.
 */
function createOctokit(token, userAgent, log, requestTimeoutMs) {
    const proxyFetch = (utils/* defaults */.NT.request?.fetch ?? fetch);
    return (0,github/* getOctokit */.Q)(token, {
        userAgent,
        request: { fetch: withTimeout(proxyFetch, requestTimeoutMs) },
        throttle: {
            // Structurally what the plugin calls on its Bottleneck group: key(id).schedule(options, job).
            write: UNPACED_WRITES,
            onRateLimit: (retryAfter, options, _octokit, retryCount) => {
                log.warning(`GitHub rate limit reached for ${options.method} ${options.url}; waiting ${retryAfter} s.`);
                return retryCount < RATE_LIMIT_RETRIES;
            },
            onSecondaryRateLimit: (retryAfter, options, _octokit, retryCount) => {
                log.info(`GitHub secondary rate limit for ${options.method} ${options.url}; waiting ${retryAfter} s.`);
                return retryCount < RATE_LIMIT_RETRIES;
            }
        }
    }, plugin_throttling_dist_bundle/* throttling */.A, dist_bundle/* retry */.L);
}

;// CONCATENATED MODULE: ./src/github/pacer.ts
/**
 * Paces content-creating requests under GitHub's secondary rate limits: "no more than 80
 * content-generating requests per minute and no more than 500 per hour". Writes are spaced
 * evenly at a little under the per-minute rate (so a sliding minute never overflows, without
 * bursts), and wait when the hour's budget is spent.
 */
const GITHUB_WRITES_PER_MINUTE = 80;
/** GitHub's hourly budget relative to its per-minute one (500 / 80); scaled with the input. */
const HOUR_PER_MINUTE = 500 / 80;
/** Pace at this share of the limit: slack for clock differences and the limit's edges. */
const HEADROOM = 0.97;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const realClock = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms))
};
class WritePacer {
    clock;
    intervalMs;
    perHour;
    /** When the next write may start. */
    next = 0;
    /** Start times of the writes of the last hour. */
    recent = [];
    queue = Promise.resolve();
    label = '';
    labelReady = Promise.resolve();
    /** `perMinute` 0 means unpaced (GitHub Enterprise Server with rate limits off). */
    constructor(perMinute, clock = realClock) {
        this.clock = clock;
        this.intervalMs = perMinute > 0 ? MINUTE_MS / (perMinute * HEADROOM) : 0;
        this.perHour = perMinute > 0 ? Math.floor(perMinute * HOUR_PER_MINUTE * HEADROOM) : Infinity;
    }
    /** Waits for room for `count` writes that start together. */
    take(count = 1) {
        this.queue = this.queue.then(() => this.reserve(count));
        return this.queue;
    }
    /**
     * Waits before writing to a target: the first write to a new target takes room for its two
     * secrets; the second write to the same target goes at once, so a target's pair is written
     * together.
     */
    forTarget(label) {
        if (label !== this.label) {
            this.label = label;
            this.labelReady = this.take(2);
        }
        return this.labelReady;
    }
    async reserve(count) {
        if (this.intervalMs === 0)
            return;
        const wait = this.next - this.clock.now();
        if (wait > 0)
            await this.clock.sleep(wait);
        while (this.inLastHour() + count > this.perHour) {
            const oldest = this.recent[0] ?? this.clock.now();
            await this.clock.sleep(Math.max(1, oldest + HOUR_MS - this.clock.now()));
        }
        const now = this.clock.now();
        for (let index = 0; index < count; index += 1)
            this.recent.push(now);
        this.next = Math.max(now, this.next) + count * this.intervalMs;
    }
    inLastHour() {
        const since = this.clock.now() - HOUR_MS;
        while (this.recent.length > 0 && (this.recent[0] ?? 0) <= since)
            this.recent.shift();
        return this.recent.length;
    }
}

// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/rotation/ports.ts
var ports = __webpack_require__(5262);
// EXTERNAL MODULE: ./src/targets.ts
var targets = __webpack_require__(8993);
// EXTERNAL MODULE: ./node_modules/libsodium-wrappers/dist/modules-esm/libsodium-wrappers.mjs + 1 modules
var libsodium_wrappers = __webpack_require__(4768);
;// CONCATENATED MODULE: ./src/github/seal.ts

/** Seals a value for GitHub's secrets API: libsodium sealed box, standard base64 (GitHub docs). */
async function sealSecret(value, base64PublicKey) {
    await libsodium_wrappers/* default.ready */.Ay.ready;
    const key = libsodium_wrappers/* default.from_base64 */.Ay.from_base64(base64PublicKey, libsodium_wrappers/* default.base64_variants */.Ay.base64_variants.ORIGINAL);
    const sealed = libsodium_wrappers/* default */.Ay.crypto_box_seal(libsodium_wrappers/* default.from_string */.Ay.from_string(value), key);
    return libsodium_wrappers/* default.to_base64 */.Ay.to_base64(sealed, libsodium_wrappers/* default.base64_variants */.Ay.base64_variants.ORIGINAL);
}

;// CONCATENATED MODULE: ./src/github/secrets.ts
/** Thin adapter from the rotation's SecretStore port to GitHub's secrets REST API. */




/** Keeps GitHub's status and message only: Octokit errors also carry the request and its token. */
function toGitHubCallError(call, error) {
    if (error instanceof ports/* GitHubCallError */._)
        return error;
    const failure = (typeof error === 'object' && error !== null ? error : {});
    const data = failure.response?.data;
    const said = typeof data === 'object' &&
        data !== null &&
        'message' in data &&
        typeof data.message === 'string'
        ? data.message
        : (failure.message ?? String(error));
    const accepted = failure.response?.headers?.['x-accepted-github-permissions'];
    return new ports/* GitHubCallError */._(call, failure.status, said.replace(/\s+/g, ' ').trim().slice(0, 300), accepted === undefined ? undefined : String(accepted));
}
function route(target) {
    switch (target.kind) {
        case 'repo':
            return {
                publicKey: 'GET /repos/{owner}/{repo}/actions/secrets/public-key',
                secret: '/repos/{owner}/{repo}/actions/secrets/{secret_name}',
                params: { owner: target.owner, repo: target.repo }
            };
        case 'env':
            return {
                publicKey: 'GET /repos/{owner}/{repo}/environments/{environment_name}/secrets/public-key',
                secret: '/repos/{owner}/{repo}/environments/{environment_name}/secrets/{secret_name}',
                params: { owner: target.owner, repo: target.repo, environment_name: target.environment }
            };
        case 'dependabot':
            return {
                publicKey: 'GET /repos/{owner}/{repo}/dependabot/secrets/public-key',
                secret: '/repos/{owner}/{repo}/dependabot/secrets/{secret_name}',
                params: { owner: target.owner, repo: target.repo }
            };
        case 'org':
            return {
                publicKey: 'GET /orgs/{org}/actions/secrets/public-key',
                secret: '/orgs/{org}/actions/secrets/{secret_name}',
                params: { org: target.org }
            };
    }
}
/** The call as a person reads it, without the host. */
function describe(endpoint, params) {
    return endpoint.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(params[name] ?? name));
}
function createSecretStore(octokit, pacer) {
    async function request(endpoint, params) {
        try {
            const response = await octokit.request(endpoint, params);
            return { data: response.data, headers: response.headers };
        }
        catch (error) {
            throw toGitHubCallError(describe(endpoint, params), error);
        }
    }
    /** Tells a missing environment from a missing repository after a 404. */
    async function diagnoseMissing(target, original) {
        if (target.kind !== 'env')
            throw original;
        const repository = `${target.owner}/${target.repo}`;
        try {
            await request('GET /repos/{owner}/{repo}', { owner: target.owner, repo: target.repo });
        }
        catch {
            throw new errors/* ActionError */.lZ('preflight', `Target ${(0,targets/* targetLabel */.Op)(target)}: repository ${repository} does not exist or the token cannot see it.`, 'Fix the target line, or give the token access to the repository.');
        }
        try {
            await request('GET /repos/{owner}/{repo}/environments/{environment_name}', {
                owner: target.owner,
                repo: target.repo,
                environment_name: target.environment
            });
        }
        catch (error) {
            if (error instanceof ports/* GitHubCallError */._ && error.status === 404) {
                throw new errors/* ActionError */.lZ('preflight', `Target ${(0,targets/* targetLabel */.Op)(target)}: environment '${target.environment}' does not exist in ${repository}.`, `Create it in the repository's Settings → Environments, or fix the target line.`);
            }
        }
        throw original;
    }
    /**
     * How an organization secret is shared today (written back unchanged), or, for a secret that
     * does not exist yet, how the fleet file asks to share it (private by default).
     */
    async function orgSecretSettings(org, name, fresh) {
        let visibility;
        try {
            const { data } = await request('GET /orgs/{org}/actions/secrets/{secret_name}', { org, secret_name: name });
            visibility = data.visibility;
        }
        catch (error) {
            if (!(error instanceof ports/* GitHubCallError */._ && error.status === 404))
                throw error;
            if (!fresh || fresh.visibility !== 'selected')
                return { visibility: fresh?.visibility ?? 'private' };
            const ids = [];
            for (const repository of fresh.selectedRepositories) {
                const [owner = '', repo = ''] = repository.split('/');
                const { data } = await request('GET /repos/{owner}/{repo}', { owner, repo });
                ids.push(data.id);
            }
            return { visibility: 'selected', selectedRepositoryIds: ids };
        }
        if (visibility !== 'selected')
            return { visibility };
        const ids = [];
        for (let page = 1;; page += 1) {
            const { data } = await request('GET /orgs/{org}/actions/secrets/{secret_name}/repositories', { org, secret_name: name, per_page: 100, page });
            ids.push(...data.repositories.map((repository) => repository.id));
            if (data.repositories.length < 100 || ids.length >= data.total_count)
                break;
        }
        return { visibility, selectedRepositoryIds: ids };
    }
    return {
        async preflight(target, options) {
            const { publicKey, params } = route(target);
            try {
                const { data, headers } = await request(publicKey, params);
                const scopes = headers['x-oauth-scopes'];
                if (typeof scopes === 'string')
                    requireClassicScope(target, scopes);
                if (target.kind !== 'org')
                    return { publicKeyId: data.key_id, publicKey: data.key };
                const orgSecrets = new Map();
                for (const name of [options.secretNames.accessKeyId, options.secretNames.secretAccessKey]) {
                    orgSecrets.set(name, await orgSecretSettings(target.org, name, options.newOrgSecret));
                }
                return { publicKeyId: data.key_id, publicKey: data.key, orgSecrets };
            }
            catch (error) {
                if (error instanceof ports/* GitHubCallError */._ && error.status === 404)
                    return diagnoseMissing(target, error);
                throw error;
            }
        },
        async write(target, name, value, access) {
            const { secret, params } = route(target);
            const encrypted = await sealSecret(value, access.publicKey);
            const shared = access.orgSecrets?.get(name);
            await pacer.forTarget((0,targets/* targetLabel */.Op)(target));
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
            });
        },
        async lastUpdated(target, name) {
            const { secret, params } = route(target);
            try {
                const { data } = await request(`GET ${secret}`, {
                    ...params,
                    secret_name: name
                });
                return data.updated_at ? new Date(data.updated_at) : undefined;
            }
            catch (error) {
                if (error instanceof ports/* GitHubCallError */._ && error.status === 404)
                    return undefined;
                throw error;
            }
        }
    };
}
/** A classic token shows its scopes; without `repo` it can read a public key but not write. */
function requireClassicScope(target, scopes) {
    const granted = scopes.split(',').map((scope) => scope.trim());
    const needed = target.kind === 'org' ? 'admin:org' : 'repo';
    if (!granted.includes(needed)) {
        throw new errors/* ActionError */.lZ('preflight', `Target ${(0,targets/* targetLabel */.Op)(target)}: the classic token has the scopes [${granted.filter(Boolean).join(', ')}], which cannot write secrets.`, `Give the token the ${needed} scope, or use a fine-grained token or a GitHub App token with the permission to write secrets.`);
    }
}

;// CONCATENATED MODULE: ./src/github/workflows.ts
/** Thin adapter from the Workflows port to GitHub's Actions REST API (dispatch and runs). */


function toRun(run) {
    return {
        id: run.id,
        url: run.html_url,
        title: run.display_title ?? run.name ?? '',
        status: run.status ?? 'unknown',
        conclusion: run.conclusion,
        createdAt: new Date(run.created_at)
    };
}
function without(body, key) {
    return Object.fromEntries(Object.entries(body).filter(([name]) => name !== key));
}
function createWorkflows(octokit, pacer) {
    async function request(call, endpoint, params) {
        try {
            return (await octokit.request(endpoint, params)).data;
        }
        catch (error) {
            throw toGitHubCallError(call, error);
        }
    }
    return {
        async defaultBranch(owner, repo) {
            const data = await request(`GET /repos/${owner}/${repo}`, 'GET /repos/{owner}/{repo}', {
                owner,
                repo
            });
            return data.default_branch;
        },
        async checkWorkflow(owner, repo, workflow) {
            await request(`GET /repos/${owner}/${repo}/actions/workflows/${workflow}`, 'GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}', { owner, repo, workflow_id: workflow });
        },
        async dispatch(owner, repo, workflow, ref, inputs) {
            const call = `POST /repos/${owner}/${repo}/actions/workflows/${workflow}/dispatches`;
            const send = (body) => request(call, 'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches', { owner, repo, workflow_id: workflow, ref, ...body });
            let body = { inputs, return_run_details: true };
            let inputsAccepted = true;
            // Older GitHub Enterprise Server rejects return_run_details; a workflow without our input
            // rejects the input. Each is dropped once, as the server asks.
            for (let attempt = 0;; attempt += 1) {
                try {
                    await pacer.take();
                    const data = await send(body);
                    const run = data && typeof data.workflow_run_id === 'number'
                        ? { id: data.workflow_run_id, url: data.html_url ?? '' }
                        : undefined;
                    return { inputsAccepted, ...(run ? { run } : {}) };
                }
                catch (error) {
                    if (!(error instanceof ports/* GitHubCallError */._) || attempt >= 2)
                        throw error;
                    if ((error.status === 422 || error.status === 400) &&
                        /return_run_details/.test(error.message) &&
                        'return_run_details' in body) {
                        body = without(body, 'return_run_details');
                    }
                    else if (error.status === 422 &&
                        /unexpected inputs/i.test(error.message) &&
                        'inputs' in body) {
                        body = without(body, 'inputs');
                        inputsAccepted = false;
                    }
                    else {
                        throw error;
                    }
                }
            }
        },
        async listRuns(owner, repo, workflow, branch, since) {
            const data = await request(`GET /repos/${owner}/${repo}/actions/workflows/${workflow}/runs`, 'GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', {
                owner,
                repo,
                workflow_id: workflow,
                event: 'workflow_dispatch',
                branch,
                created: `>=${since.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
                per_page: 100
            });
            return data.workflow_runs.map(toRun);
        },
        async getRun(owner, repo, runId) {
            const data = await request(`GET /repos/${owner}/${repo}/actions/runs/${runId}`, 'GET /repos/{owner}/{repo}/actions/runs/{run_id}', { owner, repo, run_id: runId });
            return toRun(data);
        }
    };
}

;// CONCATENATED MODULE: ./src/github/adapters.ts




function createGitHubAdapters(settings, log) {
    const octokit = createOctokit(settings.token, settings.userAgent, log, settings.requestTimeoutMs);
    // One pacer for every write of the run: GitHub's limit is per token, not per target.
    const pacer = new WritePacer(settings.writesPerMinute);
    return { secrets: createSecretStore(octokit, pacer), workflows: createWorkflows(octokit, pacer) };
}


/***/ })

};
