import { afterAll, describe, expect, it } from 'vitest'
import { createPreciseTimer } from '../../../src/mocks/precise-wait.ts'

const timer = createPreciseTimer()
afterAll(() => timer.close())

function quantile(sorted: number[], p: number): number {
  return sorted[Math.ceil(p * sorted.length) - 1]!
}

describe('precise wait', () => {
  it('is never early on performance.now(), and late by at most 0.5 ms at p99 on an idle loop', async () => {
    await timer.waitUntil(performance.now() + 5) // the thread is up
    const lateMs: number[] = []
    // Sequential waits of 1–6 ms with sub-millisecond parts, the case setTimeout rounds worst.
    for (let i = 0; i < 200; i++) {
      const deadlineMs = performance.now() + 1 + ((i * 0.37) % 5)
      expect(await timer.waitUntil(deadlineMs)).toBe(true)
      lateMs.push(performance.now() - deadlineMs)
    }
    lateMs.sort((a, b) => a - b)
    expect(lateMs[0]).toBeGreaterThanOrEqual(0)
    expect(quantile(lateMs, 0.99)).toBeLessThanOrEqual(0.5)
  })

  it('keeps many concurrent deadlines in order and never early', async () => {
    const startMs = performance.now()
    const deadlines = Array.from({ length: 100 }, (_, i) => startMs + 2 + ((i * 7) % 100) / 10)
    const firedAt = await Promise.all(
      deadlines.map((deadlineMs) => timer.waitUntil(deadlineMs).then(() => performance.now())),
    )
    for (const [i, at] of firedAt.entries()) expect(at).toBeGreaterThanOrEqual(deadlines[i]!)
  })

  it('resolves false at once when aborted, and forgets the wait', async () => {
    const controller = new AbortController()
    const wait = timer.waitUntil(performance.now() + 60_000, controller.signal)
    expect(timer.pending).toBe(1)
    const abortedAtMs = performance.now()
    controller.abort()
    expect(await wait).toBe(false)
    expect(performance.now() - abortedAtMs).toBeLessThan(50)
    expect(timer.pending).toBe(0)
    expect(await timer.waitUntil(performance.now() + 10, controller.signal)).toBe(false)
  })

  it('finishes a deadline already past at once', async () => {
    expect(await timer.waitUntil(performance.now() - 1)).toBe(true)
  })
})
