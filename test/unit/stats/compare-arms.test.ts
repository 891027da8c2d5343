import { describe, expect, it } from 'vitest'
import { createRng } from '../../../src/rng.ts'
import {
  compareArms,
  expandedTail,
  overheadVerdict,
  repeatsToSettle,
  signFlipPValue,
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

// Fisher's randomisation test, checked by exact enumeration written out here (recursion over the
// signs, independent of the bit-mask loop in the code) and by hand-worked small cases.
function enumeratedSignFlipP(differences: readonly number[]): number {
  const observed = Math.abs(differences.reduce((a, b) => a + b, 0))
  let extreme = 0
  let total = 0
  const walk = (i: number, sum: number) => {
    if (i === differences.length) {
      total++
      if (Math.abs(sum) >= observed - 1e-12) extreme++
      return
    }
    walk(i + 1, sum + differences[i]!)
    walk(i + 1, sum - differences[i]!)
  }
  walk(0, 0)
  return extreme / total
}

describe('signFlipPValue', () => {
  const unused = () => {
    throw new Error('the exact branch draws no random numbers')
  }

  it.each([
    // Only the two all-same-sign patterns reach |sum| = 3 of 2³ = 8.
    { differences: [1, 1, 1], p: 2 / 8 },
    // |sum| = 10 only for ±(1 + 2 + 3 + 4): 2 of 16.
    { differences: [1, 2, 3, 4], p: 2 / 16 },
    // Observed |sum| = 2; four ±1 terms sum to ±4 (2 patterns), ±2 (8) or 0 (6): 10 of 16.
    { differences: [1, 1, 1, -1], p: 10 / 16 },
    // Observed 0: every pattern is at least as extreme.
    { differences: [1, -1], p: 1 },
  ])('is $p for $differences (hand-worked)', ({ differences, p }) => {
    expect(signFlipPValue(differences, unused)).toBe(p)
  })

  it('equals exact enumeration over all 2^n sign patterns up to n = 14', () => {
    const rng = createRng(21)
    for (const n of [2, 5, 9, 14]) {
      const differences = Array.from({ length: n }, () => rng.normal() + 0.3)
      expect(signFlipPValue(differences, unused), `n=${n}`).toBe(enumeratedSignFlipP(differences))
    }
  })

  it('draws 10,000 random sign patterns beyond n = 14', () => {
    const differences = Array.from({ length: 15 }, () => 1)
    // Every pattern all minus: each is as extreme as the observed all-plus one.
    expect(signFlipPValue(differences, () => 0)).toBe(1)
    // Alternating signs: |sum| = 1 < 15 for every pattern, so none is as extreme.
    let flip = false
    expect(
      signFlipPValue(differences, () => {
        flip = !flip
        return flip ? 0 : 0.9
      }),
    ).toBe(0)
    // A fair random source: only the 2 all-same-sign patterns of 2^15 reach 15 (expected 0.6 in 10,000).
    const rng = createRng(4)
    expect(signFlipPValue(differences, () => rng.next())).toBeLessThanOrEqual(5 / 10_000)
  })
})

describe('compareArms, paired rounds', () => {
  // A shared drift of 100 ms per round, and the arm exactly 10 ms slower in every round.
  const baseline = [100, 200, 300, 400, 500]
  const arm = baseline.map((b) => b + 10)

  it('resamples rounds whole, so a constant per-round difference has a zero-width interval', () => {
    const paired = compareArms(arm, baseline, { seed: 3, paired: true })
    expect(paired.difference).toBe(10)
    expect(paired.difference_ci95).toEqual([10, 10])
    // The sign-flip p-value of five equal differences: 2 of 2⁵ patterns.
    expect(paired.p_value).toBe(2 / 32)
    // Unpaired, the drift between rounds swamps the 10 ms difference.
    const unpaired = compareArms(arm, baseline, { seed: 3 })
    expect(unpaired.difference_ci95[0]).toBeLessThan(0)
    expect(unpaired.difference_ci95[1]).toBeGreaterThan(20)
    expect(unpaired.p_value).toBeGreaterThan(0.5)
  })

  it('bounds the effect by the per-round ratios it resamples', () => {
    // Each resample's effect is mean(arm)/mean(baseline) − 1 over some rounds, which lies between
    // the smallest and largest per-round effect: 510/500 − 1 = 0.02 and 110/100 − 1 = 0.1.
    const { ci95, effect } = compareArms(arm, baseline, { seed: 3, paired: true })
    expect(effect).toBeCloseTo(1550 / 1500 - 1, 12)
    expect(ci95[0]).toBeGreaterThanOrEqual(0.02 - 1e-12)
    expect(ci95[1]).toBeLessThanOrEqual(0.1 + 1e-12)
    expect(ci95[0]).toBeLessThan(effect)
    expect(ci95[1]).toBeGreaterThan(effect)
  })

  it('refuses arms that do not pair up', () => {
    expect(() => compareArms([1, 2, 3], [1, 2], { paired: true })).toThrow(/do not pair up/)
  })
})

describe('compare-arms hand-worked cases', () => {
  const base = {
    ratio: 1.04,
    effect: 0.04,
    ci95: [0, 0.08] as [number, number],
    difference: 1,
    difference_ci95: [0, 2] as [number, number],
    p_value: 0.5,
    n_arm: 10,
    n_baseline: 10,
  }

  it('repeatsToSettle: n · (half-width / distance to the limit)², from the smaller arm, capped at 200', () => {
    // Half-width 0.04, distance 0.01: 10 · 16 = 160.
    expect(repeatsToSettle(base, 0.05)).toBe(160)
    expect(repeatsToSettle({ ...base, n_baseline: 5 }, 0.05)).toBe(80)
    // Half-width 0.04, distance 0.03: ⌈10 · 1.78⌉ = 18.
    expect(repeatsToSettle({ ...base, effect: 0.02 }, 0.05)).toBe(18)
    // An interval not starting at 0: [0.02, 0.06], half-width 0.02, distance 0.01: 10 · 4 = 40.
    expect(repeatsToSettle({ ...base, ci95: [0.02, 0.06] }, 0.05)).toBe(40)
    expect(repeatsToSettle({ ...base, effect: 0.0499 }, 0.05)).toBe(200)
    expect(repeatsToSettle({ ...base, effect: 0.05 }, 0.05)).toBe(200)
    // An interval that touches the limit is not settled.
    expect(repeatsToSettle(base, 0.08)).not.toBeNull()
    expect(repeatsToSettle(base, 0)).not.toBeNull()
    expect(overheadVerdict(base, 0.08)).toBe('inconclusive')
    expect(overheadVerdict(base, 0)).toBe('inconclusive')
    expect(overheadVerdict(base, 0.0801)).toBe('pass')
    expect(overheadVerdict(base, -0.0001)).toBe('fail')
  })

  // Φ(−√(n/(n−1)) · t) with the table's t, computed with SciPy 1.17.1 (norm.cdf).
  it.each([
    { n: 5, level: 0.95, tail: 0.0009557066564064799 }, // t(0.975, 4) = 2.776
    { n: 31, level: 0.95, tail: 0.018958338067215513 }, // t(0.975, 30) = 2.042, the table's last row
    { n: 40, level: 0.95, tail: 0.023573951428039152 }, // beyond the table: 1.96
    { n: 40, level: 0.999, tail: 0.0004296901288695646 }, // beyond the table: 3.291
    { n: 1, level: 0.95, tail: 2.7382431738302834e-37 }, // df clamped to 1: 12.706
  ])('expandedTail($n, $level) = $tail', ({ n, level, tail }) => {
    // simple-statistics' errorFunction (fractional error < 1.2e-7); absolute 1e-12 for the tiny tail.
    expect(Math.abs(expandedTail(n, level) - tail)).toBeLessThan(Math.max(1e-6 * tail, 1e-12))
  })

  it('refuses a level it has no table for, and fewer than two trials per arm', () => {
    expect(() => expandedTail(10, 0.9)).toThrow(
      'Failed to size a confidence interval: level 0.9 is not 0.95 or 0.999.',
    )
    expect(() => compareArms([1], [1, 2, 3])).toThrow('need at least 2 trials per arm, got 1 and 3')
    expect(() => compareArms([1, 2, 3], [1])).toThrow('need at least 2 trials per arm, got 3 and 1')
    expect(compareArms([1, 2], [1, 2], { resamples: 100 }).n_arm).toBe(2)
  })

  it('takes the paired p-value from the per-round differences', () => {
    // Differences −1, 2, 0: every one of the 8 sign patterns reaches |sum| ≥ 1, so p = 1.
    expect(compareArms([10, 20, 30], [11, 18, 30], { paired: true, resamples: 100 }).p_value).toBe(1)
  })

  it('signFlipPValue beyond n = 14 divides by exactly 10,000 patterns', () => {
    // The first pattern is all minus (as extreme as the observed all plus); then signs alternate.
    let calls = 0
    const random = () => (calls++ < 15 ? 0 : calls % 2 === 0 ? 0 : 0.9)
    expect(
      signFlipPValue(
        Array.from({ length: 15 }, () => 1),
        random,
      ),
    ).toBe(1 / 10_000)
    // A draw of exactly 0.5 gives +1: the first difference keeps its sign, so all stay plus.
    const half = () => 0.5
    expect(signFlipPValue([1, ...Array.from({ length: 14 }, () => 1)], half)).toBe(1)
    let k = 0
    const mixed = () => (k++ % 15 === 0 ? 0.5 : 0.9)
    expect(
      signFlipPValue(
        Array.from({ length: 15 }, () => 1),
        mixed,
      ),
    ).toBe(1)
  })
})

// Trials on a VM whose speed drifts from one trial to the next: every trial's CPU times are
// scaled by its own speed factor (relative noise `drift`), the endpoint's (y) and the mocks' (x)
// alike, each with a little noise of its own.
function driftingRounds(
  rounds: number,
  effect: number,
  options: { drift: number; seed: number; covariateFollowsDrift?: boolean },
) {
  const rng = createRng(options.seed)
  const trial = (meanMs: number) => {
    const speed = 1 + options.drift * rng.normal()
    const y = meanMs * speed * (1 + 0.005 * rng.normal())
    const own = options.covariateFollowsDrift === false ? 1 + options.drift * rng.normal() : speed
    const x = 0.5 * own * (1 + 0.005 * rng.normal())
    return { y, x }
  }
  const base = Array.from({ length: rounds }, () => trial(2.0))
  const arm = Array.from({ length: rounds }, () => trial(2.0 * (1 + effect)))
  return {
    arm: arm.map((t) => t.y),
    baseline: base.map((t) => t.y),
    covariate: { name: 'mocks_cpu', arm: arm.map((t) => t.x), baseline: base.map((t) => t.x) },
  }
}

const halfWidth = ([low, high]: [number, number]) => (high - low) / 2

describe('compareArms with a covariate (CUPED)', () => {
  it('narrows the interval by the share of the drift the covariate explains, around the true effect', () => {
    const { arm, baseline, covariate } = driftingRounds(20, 0.03, { drift: 0.08, seed: 11 })
    const c = compareArms(arm, baseline, { seed: 1, paired: true, covariate })
    expect(c.covariate!.name).toBe('mocks_cpu')
    expect(c.covariate!.variance_explained).toBeGreaterThan(0.8)
    expect(halfWidth(c.ci95)).toBeLessThan(0.5 * halfWidth(c.covariate!.unadjusted_ci95))
    expect(c.ci95[0]).toBeLessThan(0.03)
    expect(c.ci95[1]).toBeGreaterThan(0.03)
    // The unadjusted interval is the plain paired comparison's.
    expect(c.covariate!.unadjusted_ci95).toEqual(compareArms(arm, baseline, { seed: 1, paired: true }).ci95)
  })

  it('changes little when the covariate does not follow the drift', () => {
    const { arm, baseline, covariate } = driftingRounds(20, 0.03, {
      drift: 0.08,
      seed: 12,
      covariateFollowsDrift: false,
    })
    const c = compareArms(arm, baseline, { seed: 1, paired: true, covariate })
    expect(c.covariate!.variance_explained).toBeLessThan(0.3)
    expect(halfWidth(c.ci95)).toBeLessThan(1.3 * halfWidth(c.covariate!.unadjusted_ci95))
  })

  it('is the plain comparison when the covariate does not vary (θ = 0)', () => {
    const { arm, baseline } = driftingRounds(10, 0.03, { drift: 0.08, seed: 13 })
    const flat = { name: 'flat', arm: arm.map(() => 1), baseline: baseline.map(() => 1) }
    const adjusted = compareArms(arm, baseline, { seed: 2, paired: true, covariate: flat })
    const plain = compareArms(arm, baseline, { seed: 2, paired: true })
    expect(adjusted.covariate!.theta).toBe(0)
    // b + mean(d) instead of mean(a): equal up to rounding.
    expect(adjusted.ci95[0]).toBeCloseTo(plain.ci95[0], 12)
    expect(adjusted.ci95[1]).toBeCloseTo(plain.ci95[1], 12)
    expect(adjusted.effect).toBeCloseTo(plain.effect, 12)
  })

  it('covers a true zero difference in most drifting A/A comparisons (θ re-estimated per resample)', () => {
    let covered = 0
    const runs = 200
    for (let r = 0; r < runs; r++) {
      const { arm, baseline, covariate } = driftingRounds(10, 0, { drift: 0.08, seed: 500 + r })
      const c = compareArms(arm, baseline, { seed: r, paired: true, covariate, resamples: 2000 })
      if (c.ci95[0] <= 0 && c.ci95[1] >= 0) covered++
    }
    expect(covered / runs).toBeGreaterThan(0.9)
  })

  it('refuses a covariate without paired trials, or with a value missing', () => {
    const covariate = { name: 'x', arm: [1, 2, 3], baseline: [1, 2, 3] }
    expect(() => compareArms([1, 2, 3], [1, 2, 3], { covariate })).toThrow(/covariate x.*paired/)
    expect(() =>
      compareArms([1, 2, 3], [1, 2, 3], { paired: true, covariate: { ...covariate, arm: [1, 2] } }),
    ).toThrow(/one value per trial/)
  })
})
