export const id = 702;
export const ids = [702];
export const modules = {

/***/ 6702:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   createOctokit: () => (/* binding */ createOctokit),
/* harmony export */   withTimeout: () => (/* binding */ withTimeout)
/* harmony export */ });
/* harmony import */ var _actions_github__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1351);
/* harmony import */ var _actions_github_lib_utils__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(5555);
/* harmony import */ var _octokit_plugin_retry__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(9735);
/* harmony import */ var _octokit_plugin_throttling__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6856);




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
    const proxyFetch = (_actions_github_lib_utils__WEBPACK_IMPORTED_MODULE_1__/* .defaults */ .NT.request?.fetch ?? fetch);
    return (0,_actions_github__WEBPACK_IMPORTED_MODULE_0__/* .getOctokit */ .Q)(token, {
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
    }, _octokit_plugin_throttling__WEBPACK_IMPORTED_MODULE_2__/* .throttling */ .A, _octokit_plugin_retry__WEBPACK_IMPORTED_MODULE_3__/* .retry */ .L);
}


/***/ })

};
