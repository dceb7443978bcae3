/**
 * Paces content-creating requests under GitHub's secondary rate limits: "no more than 80
 * content-generating requests per minute and no more than 500 per hour". Writes are spaced
 * evenly at a little under the per-minute rate (so a sliding minute never overflows, without
 * bursts), and wait when the hour's budget is spent.
 */

export const GITHUB_WRITES_PER_MINUTE = 80
/** GitHub's hourly budget relative to its per-minute one (500 / 80); scaled with the input. */
const HOUR_PER_MINUTE = 500 / 80
/** Pace at this share of the limit: slack for clock differences and the limit's edges. */
const HEADROOM = 0.97
const MINUTE_MS = 60_000
const HOUR_MS = 3_600_000

export interface PacerClock {
  now(): number
  sleep(ms: number): Promise<void>
}

const realClock: PacerClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms))
}

export class WritePacer {
  private readonly intervalMs: number
  private readonly perHour: number
  /** When the next write may start. */
  private next = 0
  /** Start times of the writes of the last hour. */
  private readonly recent: number[] = []
  private queue: Promise<void> = Promise.resolve()
  private label = ''
  private labelReady: Promise<void> = Promise.resolve()

  /** `perMinute` 0 means unpaced (GitHub Enterprise Server with rate limits off). */
  constructor(
    perMinute: number,
    private readonly clock: PacerClock = realClock
  ) {
    this.intervalMs = perMinute > 0 ? MINUTE_MS / (perMinute * HEADROOM) : 0
    this.perHour = perMinute > 0 ? Math.floor(perMinute * HOUR_PER_MINUTE * HEADROOM) : Infinity
  }

  /** Waits for room for `count` writes that start together. */
  take(count = 1): Promise<void> {
    this.queue = this.queue.then(() => this.reserve(count))
    return this.queue
  }

  /**
   * Waits before writing to a target: the first write to a new target takes room for its two
   * secrets; the second write to the same target goes at once, so a target's pair is written
   * together.
   */
  forTarget(label: string): Promise<void> {
    if (label !== this.label) {
      this.label = label
      this.labelReady = this.take(2)
    }
    return this.labelReady
  }

  private async reserve(count: number): Promise<void> {
    if (this.intervalMs === 0) return
    const wait = this.next - this.clock.now()
    if (wait > 0) await this.clock.sleep(wait)
    while (this.inLastHour() + count > this.perHour) {
      const oldest = this.recent[0] ?? this.clock.now()
      await this.clock.sleep(Math.max(1, oldest + HOUR_MS - this.clock.now()))
    }
    const now = this.clock.now()
    for (let index = 0; index < count; index += 1) this.recent.push(now)
    this.next = Math.max(now, this.next) + count * this.intervalMs
  }

  private inLastHour(): number {
    const since = this.clock.now() - HOUR_MS
    while (this.recent.length > 0 && (this.recent[0] ?? 0) <= since) this.recent.shift()
    return this.recent.length
  }
}
