import { describe, expect, it } from 'vitest'
import { createRng } from '../../../src/rng.ts'
import { binIndex, binLowerMs, LOG_BIN_COUNT, LogHistogram } from '../../../src/stats/log-histogram.ts'

describe('LogHistogram', () => {
  it('reads quantiles within the stated ±4.9% of the exact nearest-rank value', () => {
    const rng = createRng(5)
    const values = Array.from({ length: 20_000 }, () => Math.exp(4 + rng.normal() * 0.6))
    const histogram = new LogHistogram()
    for (const v of values) histogram.record(v)
    const sorted = [...values].sort((a, b) => a - b)
    for (const q of [0.5, 0.9, 0.99]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1]!
      expect(Math.abs(histogram.quantileMs(q) - exact) / exact, `q=${q}`).toBeLessThanOrEqual(0.049)
    }
  })

  it('takes the nearest rank: a hand-worked case with values far enough apart to tell the ranks', () => {
    const histogram = new LogHistogram()
    for (const v of [40, 10, 30, 20]) histogram.record(v)
    // n = 4: rank ⌈q·4⌉ → q 0.25 → 10, 0.26 and 0.5 → 20, 0.51 → 30, 1 → 40 (each ±4.9%).
    for (const [q, value] of [
      [0.25, 10],
      [0.26, 20],
      [0.5, 20],
      [0.51, 30],
      [0.99, 40],
      [1, 40],
    ] as const) {
      expect(Math.abs(histogram.quantileMs(q) - value) / value, `q=${q}`).toBeLessThanOrEqual(0.049)
    }
    // The lowest rank for q = 0.
    expect(Math.abs(histogram.quantileMs(0) - 10) / 10).toBeLessThanOrEqual(0.049)
  })

  it('puts each value in the bin [0.01·1.1^i, 0.01·1.1^(i+1)) and reads its geometric midpoint', () => {
    // 0.01 ms·1.1^i written out for i = 10 and 11: 0.025937424601 and 0.0285311670611 ms.
    expect(binIndex(0.0259375)).toBe(10)
    expect(binIndex(0.0285311)).toBe(10)
    expect(binIndex(0.0285312)).toBe(11)
    expect(binLowerMs(10)).toBeCloseTo(0.025937424601, 12)
    expect(binIndex(0.01)).toBe(0)
    expect(binIndex(-5)).toBe(0)
    expect(binIndex(1e12)).toBe(LOG_BIN_COUNT - 1)
    const histogram = new LogHistogram()
    histogram.record(0.027)
    expect(histogram.quantileMs(0.5)).toBeCloseTo(Math.sqrt(0.025937424601 * 0.0285311670611), 12)
  })

  it('exports contiguous bins whose counts add up', () => {
    const histogram = new LogHistogram()
    for (const v of [1, 1.05, 10, 100]) histogram.record(v, v === 100)
    const dense = histogram.toJSON()
    expect(dense.counts.reduce((a, b) => a + b, 0)).toBe(4)
    expect(dense.lower_ms.length).toBe(dense.counts.length)
    expect(dense.lower_ms[0]).toBeLessThanOrEqual(1)
    expect(histogram.errors).toBe(1)
  })

  it('counts errors only when told, and closes the exported bins with an upper edge', () => {
    const histogram = new LogHistogram()
    histogram.record(0.027)
    expect(histogram.errors).toBe(0)
    // One value in bin 10: its lower edge, then the next edge as the upper one, with count 0.
    expect(histogram.toJSON()).toEqual({ lower_ms: [0.02594, 0.02853], counts: [1, 0] })
  })

  it('is empty-safe', () => {
    expect(new LogHistogram().quantileMs(0.99)).toBe(0)
    expect(new LogHistogram().toJSON()).toEqual({ lower_ms: [], counts: [] })
  })
})
