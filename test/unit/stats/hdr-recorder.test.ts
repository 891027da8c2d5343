import { describe, expect, it } from 'vitest'
import { HdrDurationRecorder } from '../../../src/stats/hdr-recorder.ts'
import { EMPTY_STAGE_STATS } from '../../../src/stats/stage-stats.ts'

// A tiny seeded generator (Numerical Recipes LCG constants), local to this test.
function lcg(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return (state + 0.5) / 2 ** 32 // in (0, 1)
  }
}

// Lognormal durations via Box–Muller: median medianMs, log-space sigma.
function lognormalSample(n: number, seed: number, medianMs: number, sigma: number): Float64Array {
  const random = lcg(seed)
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const z = Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random())
    out[i] = medianMs * Math.exp(sigma * z)
  }
  return out
}

// The stated bound (see src/stats/hdr-recorder.ts).
const bound = (exactMs: number) => 0.001 * exactMs + 0.001

const PERCENTILES = [50, 90, 95, 99, 99.9]

describe('HdrDurationRecorder against exact quantiles', () => {
  it.each([
    { name: 'embedding-like', n: 100_000, seed: 7, medianMs: 180, sigma: 0.35 },
    { name: 'sub-millisecond', n: 50_000, seed: 11, medianMs: 0.4, sigma: 0.8 },
    { name: 'heavy tail', n: 50_000, seed: 3, medianMs: 40, sigma: 1.5 },
  ])(
    '$name: every percentile within 0.1% + 1 µs of the nearest-rank value',
    ({ n, seed, medianMs, sigma }) => {
      const data = lognormalSample(n, seed, medianMs, sigma)
      const recorder = new HdrDurationRecorder()
      for (const ms of data) recorder.record(ms)
      const sorted = Float64Array.from(data).sort()

      for (const p of PERCENTILES) {
        const rank = Math.max(1, Math.ceil((p * n) / 100 - 1e-9))
        const exact = sorted[rank - 1]!
        const actual = recorder.percentileMs(p)
        expect(Math.abs(actual - exact), `p${p}: ${actual} vs ${exact}`).toBeLessThanOrEqual(bound(exact))
      }

      expect(recorder.count).toBe(n)
      expect(recorder.minMs).toBe(sorted[0])
      expect(recorder.maxMs).toBe(sorted[n - 1])
      const exactMean = data.reduce((a, b) => a + b, 0) / n
      expect(recorder.meanMs).toBeCloseTo(exactMean, 9)
    },
  )

  it('never reports a percentile above the true maximum or below the minimum', () => {
    const recorder = new HdrDurationRecorder()
    for (const ms of [3.0004, 3.0004, 3.0004]) recorder.record(ms)
    expect(recorder.percentileMs(100)).toBe(3.0004)
    expect(recorder.percentileMs(0)).toBe(3.0004)
  })

  it('fills StageStats with exact min, mean, max and histogram percentiles', () => {
    const recorder = new HdrDurationRecorder()
    for (let i = 1; i <= 1000; i++) recorder.record(i) // 1..1000 ms
    const stats = recorder.toStageStats(4)
    expect(stats.count).toBe(1000)
    expect(stats.error_count).toBe(4)
    expect(stats.min_ms).toBe(1)
    expect(stats.max_ms).toBe(1000)
    expect(stats.mean_ms).toBe(500.5)
    expect(Math.abs(stats.p50_ms - 500)).toBeLessThanOrEqual(bound(500))
    expect(Math.abs(stats.p99_ms - 990)).toBeLessThanOrEqual(bound(990))
    expect(Math.abs(stats.p999_ms - 999)).toBeLessThanOrEqual(bound(999))
  })

  it('gives zeros for an empty stage, keeping its error count', () => {
    const empty = new HdrDurationRecorder()
    expect(empty.toStageStats(3)).toEqual({ ...EMPTY_STAGE_STATS, error_count: 3 })
    expect([empty.minMs, empty.maxMs, empty.meanMs, empty.percentileMs(50), empty.count]).toEqual([
      0, 0, 0, 0, 0,
    ])
  })

  it('accepts a duration of 0 ms', () => {
    const recorder = new HdrDurationRecorder()
    recorder.record(0)
    expect(recorder.toStageStats(0)).toMatchObject({ count: 1, min_ms: 0, max_ms: 0, p99_ms: 0 })
  })

  it.each([[-1], [Number.NaN], [Number.POSITIVE_INFINITY]])('rejects %s', (bad) => {
    expect(() => new HdrDurationRecorder().record(bad)).toThrow(/^Failed to record a duration/)
  })

  it('keeps its footprint constant in the number of values', () => {
    const recorder = new HdrDurationRecorder()
    const random = lcg(1)
    for (let i = 0; i < 10_000; i++) recorder.record(1 + random() * 59_999)
    const after10k = recorder.footprintBytes
    for (let i = 0; i < 190_000; i++) recorder.record(1 + random() * 59_999)
    expect(recorder.footprintBytes).toBe(after10k)
    expect(after10k).toBeLessThan(200_000)
  })
})
