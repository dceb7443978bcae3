export const id = 742;
export const ids = [742];
export const modules = {

/***/ 4742:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  createSecretStore: () => (/* binding */ createSecretStore),
  toGitHubCallError: () => (/* binding */ toGitHubCallError)
});

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


/***/ })

};
