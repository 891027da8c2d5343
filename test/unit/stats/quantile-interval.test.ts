import { describe, expect, it } from 'vitest'
import { createRng } from '../../../src/rng.ts'
import { HdrDurationRecorder } from '../../../src/stats/hdr-recorder.ts'
import {
  binomialCdf,
  clopperPearson,
  countToExcludeProportion,
  countToExcludeQuantile,
  minCountForUpperBound,
  quantileInterval,
  quantileRanks,
} from '../../../src/stats/quantile-interval.ts'

// Oracles. The rank tables below were computed independently of this code, in Python 3 with
// exact rational arithmetic (fractions.Fraction, math.comb): F(j) = Σ_{i≤j} C(n,i) qⁱ (1−q)ⁿ⁻ⁱ,
// r = 1 + the largest j with F(j) ≤ 1/40, s = 1 + the smallest j with F(j) ≥ 39/40 (null when
// r < 1 or s > n). The n = 10 and n = 20 medians are also the textbook ones: x₍₂₎…x₍₉₎ (coverage
// 97.9%) and x₍₆₎…x₍₁₅₎ (95.9%) (e.g. Conover, Table A3; Hollander & Wolfe).
const RANKS: [n: number, q: number, low: number | null, high: number | null][] = [
  [10, 0.5, 2, 9],
  [20, 0.5, 6, 15],
  [120, 0.99, 116, null],
  [366, 0.99, 358, null],
  [367, 0.99, 359, null],
  [400, 0.99, 392, 400],
  [500, 0.99, 490, 500],
  [1000, 0.95, 936, 964],
]

describe('binomialCdf', () => {
  it('matches hand-computed values of Binomial(10, 1/2)', () => {
    // P(B ≤ k) = Σ C(10, i) / 1024: 1, 11, 56, 176, 386, 638 … over 1024.
    expect(binomialCdf(0, 10, 0.5)).toBeCloseTo(1 / 1024, 12)
    expect(binomialCdf(1, 10, 0.5)).toBeCloseTo(11 / 1024, 12)
    expect(binomialCdf(2, 10, 0.5)).toBeCloseTo(56 / 1024, 12)
    expect(binomialCdf(5, 10, 0.5)).toBeCloseTo(638 / 1024, 12)
    expect(binomialCdf(10, 10, 0.5)).toBe(1)
    expect(binomialCdf(-1, 10, 0.5)).toBe(0)
  })

  it('gives 0.99ⁿ for "every draw at or below the p99" and handles large n', () => {
    // P(B ≤ n−1) = 1 − 0.99ⁿ for B ~ Binomial(n, 0.99).
    expect(binomialCdf(119, 120, 0.99)).toBeCloseTo(1 - 0.99 ** 120, 12)
    // Symmetry at p = 1/2 for a million draws: P(B ≤ 499 999) = (1 − P(B = 500 000)) / 2, and
    // P(B = n/2) ≈ √(2/(πn)) = 7.9788e-4 (Stirling).
    expect(binomialCdf(499_999, 1_000_000, 0.5)).toBeCloseTo((1 - 7.9788e-4) / 2, 6)
  })
})

describe('quantileRanks (exact binomial order statistics)', () => {
  it.each(RANKS)('n=%i q=%f: ranks %s…%s', (n, q, low, high) => {
    expect(quantileRanks(n, q)).toEqual({ low, high })
  })

  it('needs 368 draws before a p99 has an upper bound (0.99³⁶⁸ ≤ 2.5% < 0.99³⁶⁷)', () => {
    expect(minCountForUpperBound(0.99)).toBe(368)
    expect(quantileRanks(368, 0.99)).toEqual({ low: 360, high: 368 })
    expect(quantileRanks(367, 0.99).high).toBeNull()
  })

  it('has no lower bound for a median of 5 (0.5⁵ > 2.5%) but one for 6 (0.5⁶ ≤ 2.5%)', () => {
    expect(quantileRanks(5, 0.5).low).toBeNull()
    expect(quantileRanks(6, 0.5).low).toBe(1)
  })

  it('covers the true quantile at least 95% of the time (simulation, seeded)', () => {
    // Uniform(0, 1) draws: the true p90 is 0.9. 2000 samples of 50 draws each.
    const rng = createRng(5)
    let covered = 0
    const trials = 2000
    for (let t = 0; t < trials; t++) {
      const sorted = Array.from({ length: 50 }, () => rng.next()).sort((a, b) => a - b)
      const ci = quantileInterval(50, 0.9, (rank) => sorted[rank - 1]!)!
      if ((ci.low ?? 0) <= 0.9 && 0.9 <= (ci.high ?? 1)) covered++
    }
    // Exact coverage for these ranks is ≥ 95%; allow 3 binomial standard errors (1.5 points).
    expect(covered / trials).toBeGreaterThanOrEqual(0.935)
    expect(covered / trials).toBeLessThan(1)
  })
})

describe('quantileInterval on an HDR histogram', () => {
  // The recorder's stated bound (hdr-recorder.ts): within 0.1% of the value + 1 µs, never below.
  const near = (actual: number | null, exact: number) => {
    expect(actual).not.toBeNull()
    expect(actual!).toBeGreaterThanOrEqual(exact)
    expect(actual!).toBeLessThanOrEqual(exact * 1.001 + 0.001)
  }

  it('reads the order statistics at the interval ranks', () => {
    const recorder = new HdrDurationRecorder()
    for (let i = 1; i <= 10; i++) recorder.record(i * 10) // 10, 20, …, 100 ms
    for (let rank = 1; rank <= 10; rank++) near(recorder.valueAtRankMs(rank), rank * 10)
    // Median of 10: ranks 2 and 9 (the table above) → 20 ms and 90 ms.
    const ci = recorder.percentileIntervalsMs()!
    near(ci.p50[0], 20)
    near(ci.p50[1], 90)
    // p99 of 10: no upper bound; the lower rank (the largest r with P(B ≤ r−1) ≤ 2.5%,
    // B ~ Binomial(10, 0.99)) is 9: P(B ≤ 8) = 1 − 10·0.99⁹·0.01 − 0.99¹⁰ = 0.0043, P(B ≤ 9) = 0.0956.
    expect(ci.p99[1]).toBeNull()
    near(ci.p99[0], 90)
  })

  it('narrows with more samples and brackets the true p99 (seeded uniform draws)', () => {
    const rng = createRng(11)
    const values = Array.from({ length: 5000 }, () => rng.next() * 100).sort((a, b) => a - b)
    const ci = quantileInterval(values.length, 0.99, (rank) => values[rank - 1]!)!
    expect(ci.low!).toBeLessThanOrEqual(99)
    expect(ci.high!).toBeGreaterThanOrEqual(99)
    expect(ci.high! - ci.low!).toBeLessThan(1)
    const small = values.filter((_, i) => i % 10 === 0)
    const wide = quantileInterval(small.length, 0.99, (rank) => small[rank - 1]!)!
    expect(wide.high! - wide.low!).toBeGreaterThan(ci.high! - ci.low!)
  })
})

describe('clopperPearson', () => {
  // Oracle: the same Python exact-rational CDF, bisection on p to 2⁻⁴⁵; k = 0 and k = n have the
  // closed forms 1 − (α/2)^(1/n) and (α/2)^(1/n). 5 of 10 is the textbook [0.1871, 0.8129].
  it.each([
    [0, 10, 0, 0.30849710781875],
    [5, 10, 0.18708602844741, 0.81291397155259],
    [1, 100, 0.00025314603299, 0.05445938539209],
    [3, 1200, 0.00051585713224, 0.0072885226095],
    [0, 120, 0, 0.03027297257741],
  ])('%i of %i: [%f, %f]', (k, n, low, high) => {
    const [l, h] = clopperPearson(k, n)
    expect(l).toBeCloseTo(low, 9)
    expect(h).toBeCloseTo(high, 9)
  })

  it('gives 1 as the upper bound when every trial failed', () => {
    expect(clopperPearson(4, 4)[1]).toBe(1)
    expect(clopperPearson(4, 4)[0]).toBeCloseTo(0.025 ** (1 / 4), 9)
  })
})

describe('run length to decide', () => {
  it('for a percentile: scales the facing half-width as 1/√n', () => {
    // p95 estimate 100, upper bound 120, limit 110: the half-width must halve → 4× the sample.
    const n = countToExcludeQuantile({
      n: 200,
      q: 0.95,
      estimate: 100,
      low: 90,
      high: 120,
      min: 1,
      max: 200,
      limit: 110,
    })
    expect(n).toBe(800)
    // Over the limit: the lower side must shrink from 10 to 5 → 4×.
    const over = countToExcludeQuantile({
      n: 200,
      q: 0.95,
      estimate: 100,
      low: 90,
      high: 120,
      min: 1,
      max: 200,
      limit: 95,
    })
    expect(over).toBe(800)
    expect(
      countToExcludeQuantile({
        n: 200,
        q: 0.95,
        estimate: 100,
        low: 90,
        high: 120,
        min: 1,
        max: 200,
        limit: 100,
      }),
    ).toBeNull()
  })

  it('for a p99 with no upper bound: at least the 368 draws that give one', () => {
    const n = countToExcludeQuantile({
      n: 120,
      q: 0.99,
      estimate: 50,
      low: 45,
      high: null,
      min: 1,
      max: 55,
      limit: 80,
    })
    expect(n).toBe(368)
  })

  it('for an error rate: the smallest count whose Clopper–Pearson interval excludes the limit', () => {
    // 0 errors against a 1% limit: decided when 1 − 0.025^(1/n) ≤ 0.01, i.e. n ≥ 368.
    const n = countToExcludeProportion(0, 120, 0.01)!
    expect(n).toBeGreaterThanOrEqual(368)
    expect(n).toBeLessThanOrEqual(368 * 1.01 + 1)
    const [, high] = clopperPearson(0, n)
    expect(high).toBeLessThanOrEqual(0.01)
    expect(countToExcludeProportion(1, 100, 0.01)).toBeNull()
  })
})
