import { describe, expect, it } from 'vitest'
import { WritePacer, type PacerClock } from '../src/github/pacer.js'

class ManualClock implements PacerClock {
  time = 0
  now(): number {
    return this.time
  }
  async sleep(ms: number): Promise<void> {
    this.time += ms
  }
}

describe('write pacer', () => {
  it('spaces writes evenly at just under the per-minute limit', async () => {
    const clock = new ManualClock()
    const pacer = new WritePacer(80, clock)
    const starts: number[] = []
    for (let index = 0; index < 160; index += 1) {
      await pacer.take()
      starts.push(clock.time)
    }
    // Never more than 80 in any sliding minute, and at least 90% of the limit on average.
    for (const start of starts) {
      expect(
        starts.filter((other) => other >= start && other < start + 60_000).length
      ).toBeLessThanOrEqual(80)
    }
    const rate = (starts.length - 1) / ((starts.at(-1) ?? 0) / 60_000)
    expect(rate).toBeGreaterThan(72)
    expect(rate).toBeLessThanOrEqual(80)
  })

  it("writes a target's two secrets together and paces the next target", async () => {
    const clock = new ManualClock()
    const pacer = new WritePacer(60, clock)
    await pacer.forTarget('repo:a/b')
    const first = clock.time
    await pacer.forTarget('repo:a/b')
    expect(clock.time).toBe(first)
    await pacer.forTarget('env:a/b/prod')
    expect(clock.time - first).toBeCloseTo(2 * (60_000 / (60 * 0.97)), 0)
  })

  it('waits when the hour budget (500 at 80 a minute) is spent', async () => {
    const clock = new ManualClock()
    const pacer = new WritePacer(80, clock)
    const starts: number[] = []
    for (let index = 0; index < 600; index += 1) {
      await pacer.take()
      starts.push(clock.time)
    }
    for (const start of starts) {
      expect(
        starts.filter((other) => other >= start && other < start + 3_600_000).length
      ).toBeLessThanOrEqual(500)
    }
  })

  it('does not wait at all when unpaced (0)', async () => {
    const clock = new ManualClock()
    const pacer = new WritePacer(0, clock)
    for (let index = 0; index < 1000; index += 1) await pacer.take()
    expect(clock.time).toBe(0)
  })
})
