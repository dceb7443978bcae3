export const id = 692;
export const ids = [692];
export const modules = {

/***/ 3311:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   GITHUB_WRITES_PER_MINUTE: () => (/* binding */ GITHUB_WRITES_PER_MINUTE),
/* harmony export */   WritePacer: () => (/* binding */ WritePacer)
/* harmony export */ });
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


/***/ })

};
