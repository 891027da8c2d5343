import { describe, expect, it } from 'vitest'
import { createRng } from '../../../src/mocks/rng.ts'
import {
  compareArms,
  expandedTail,
  overheadVerdict,
  repeatsToSettle,
} from '../../../src/stats/compare-arms.ts'

// Synthetic trials: CPU per request around `meanMs` with a relative noise of `cv`.
function trials(n: number, meanMs: number, cv: number, seed: number): number[] {
  const rng = createRng(seed)
  return Array.from({ length: n }, () => meanMs * (1 + cv * rng.normal()))
}

describe('compareArms', () => {
  it('finds a known 10% difference, with an interval that contains it and excludes 0', () => {
    const baseline = trials(9, 2.0, 0.02, 1)
    const arm = trials(9, 2.2, 0.02, 2)
    const c = compareArms(arm, baseline, { seed: 3 })
    expect(c.effect).toBeGreaterThan(0.07)
    expect(c.effect).toBeLessThan(0.13)
    expect(c.ci95[0]).toBeLessThan(0.1)
    expect(c.ci95[1]).toBeGreaterThan(0.1)
    expect(c.ci95[0]).toBeGreaterThan(0)
    expect(c.p_value).toBeLessThan(0.01)
  })

  it('gives an interval around 0 and a large p-value when nothing differs', () => {
    const c = compareArms(trials(9, 2.0, 0.03, 4), trials(9, 2.0, 0.03, 5), { seed: 6 })
    expect(c.ci95[0]).toBeLessThan(0)
    expect(c.ci95[1]).toBeGreaterThan(0)
    expect(c.p_value).toBeGreaterThan(0.05)
  })

  it('is reproducible with a seed', () => {
    const a = trials(9, 2.1, 0.05, 7)
    const b = trials(9, 2.0, 0.05, 8)
    expect(compareArms(a, b, { seed: 9 })).toEqual(compareArms(a, b, { seed: 9 }))
  })

  it('refuses fewer than two trials per arm', () => {
    expect(() => compareArms([1], [1, 2])).toThrow(/at least 2 trials/)
  })
})

describe('overheadVerdict', () => {
  const base = {
    ratio: 1,
    effect: 0,
    p_value: 0.5,
    n_arm: 9,
    n_baseline: 9,
    difference: 0,
    difference_ci95: [0, 0] as [number, number],
  }
  it.each([
    {
      name: 'whole interval under the limit',
      ci95: [0.01, 0.03] as [number, number],
      effect: 0.02,
      verdict: 'pass',
    },
    {
      name: 'whole interval over the limit',
      ci95: [0.06, 0.09] as [number, number],
      effect: 0.075,
      verdict: 'fail',
    },
    {
      name: 'interval straddles the limit',
      ci95: [0.02, 0.08] as [number, number],
      effect: 0.05,
      verdict: 'inconclusive',
    },
    {
      name: 'upper bound exactly at the limit',
      ci95: [0.01, 0.05] as [number, number],
      effect: 0.03,
      verdict: 'inconclusive',
    },
  ])('$name → $verdict', ({ ci95, effect, verdict }) => {
    expect(overheadVerdict({ ...base, ci95, effect }, 0.05)).toBe(verdict)
  })

  it('estimates more repeats for an inconclusive line and none for a settled one', () => {
    const inconclusive = { ...base, effect: 0.03, ci95: [0.0, 0.06] as [number, number] }
    const needed = repeatsToSettle(inconclusive, 0.05)!
    expect(needed).toBeGreaterThan(9)
    expect(repeatsToSettle({ ...base, effect: 0.02, ci95: [0.01, 0.03] }, 0.05)).toBeNull()
  })
})

describe('the expanded percentile interval', () => {
  it('widens for few trials and tends to the plain one for many', () => {
    const plain = 0.025
    expect(expandedTail(5, 0.95)).toBeLessThan(plain / 2)
    expect(expandedTail(30, 0.95)).toBeGreaterThan(0.015)
    expect(expandedTail(30, 0.95)).toBeLessThan(plain)
    expect(expandedTail(9, 0.999)).toBeLessThan(expandedTail(9, 0.95))
  })

  it('covers a true zero difference in most synthetic A/A comparisons at 5 trials per arm', () => {
    let covered = 0
    const runs = 200
    for (let r = 0; r < runs; r++) {
      const c = compareArms(trials(5, 2.0, 0.05, 100 + r), trials(5, 2.0, 0.05, 1000 + r), {
        seed: r,
        resamples: 2000,
      })
      if (c.ci95[0] <= 0 && c.ci95[1] >= 0) covered++
    }
    // Nominal 95%; the plain percentile interval covers about 85% here.
    expect(covered / runs).toBeGreaterThan(0.9)
  })
})
