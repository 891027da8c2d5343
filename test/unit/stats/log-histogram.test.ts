import { quantileSorted } from 'simple-statistics'
import { describe, expect, it } from 'vitest'
import { createRng } from '../../../src/mocks/rng.ts'
import { LogHistogram } from '../../../src/stats/log-histogram.ts'

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
      expect(quantileSorted(sorted, q)).toBeGreaterThan(0)
    }
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

  it('is empty-safe', () => {
    expect(new LogHistogram().quantileMs(0.99)).toBe(0)
    expect(new LogHistogram().toJSON()).toEqual({ lower_ms: [], counts: [] })
  })
})
