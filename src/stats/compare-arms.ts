// Comparing an arm with a baseline over repeated trials, for the sampling-overhead measurement.
// - The effect is the ratio of means (arm / baseline) − 1, e.g. +3.2% CPU per request, and the
//   difference of means in the metric's unit (what the calibration arm is checked against).
// - Confidence intervals are bootstrap intervals (Efron & Tibshirani, "An Introduction to the
//   Bootstrap", 1993, ch. 13): trials are resampled with replacement within each arm,
//   independently, 10,000 times, seeded for reproducibility. With 5–10 trials per arm a plain
//   percentile interval is too narrow, so the "expanded percentile" interval is used (Hesterberg,
//   "What Teachers Should Know about the Bootstrap", 2015, §3.6): the percentiles are taken at
//   Φ(±√(n/(n−1))·t₍₁₋α/₂, n−1₎) instead of α/2 and 1−α/2.
// - The p-value is a two-sided permutation test on the difference of means (simple-statistics
//   permutationTest, 10,000 shuffles): distribution-free, and right for 5–20 trials per arm.
// - A budget line is `pass` only when the whole interval is under the limit, `fail` when the
//   whole interval is over it, and `inconclusive` otherwise: an inconclusive result is never a pass.
// - With a covariate (paired only): regression adjustment, CUPED (Deng, Xu, Kohavi & Walker,
//   "Improving the Sensitivity of Online Controlled Experiments by Utilizing Pre-Experiment
//   Data", WSDM 2013). A covariate is a figure measured in the same trials that the arms cannot
//   move (here the mock servers' CPU per request: the VM's speed drifts within seconds and moves
//   both processes' CPU time together). Each round's difference d = arm − baseline is replaced by
//   d − θ·c, where c is the covariate's difference in that round and θ = cov(d, c) / var(c); the
//   mean is unchanged in expectation (E[c] = 0 when the arms cannot move the covariate) and its
//   variance shrinks by the share of it the covariate explains. θ is re-estimated in every
//   bootstrap resample, so the interval carries its uncertainty.
import {
  errorFunction,
  mean,
  permutationTest,
  quantileSorted,
  sampleWithReplacement,
} from 'simple-statistics'
import type { ArmComparison } from '../contract/overhead-schema.ts'
import { createRng } from '../rng.ts'

export const BOOTSTRAP_RESAMPLES = 10_000

// The result has the report's shape (ArmComparison, contract/overhead-schema.ts): a comparison
// goes into report.json as it is.
export function compareArms(
  arm: readonly number[],
  baseline: readonly number[],
  // level: 0.95 for the report; the tests use a stricter level so that a true-zero effect
  // falls outside the interval far less often than 1 run in 20.
  // paired: arm[i] and baseline[i] come from the same round of interleaved trials. Rounds are
  // then resampled whole, which cancels drift shared by a round (JIT warming, a neighbour's
  // load), and the p-value comes from a sign-flip permutation of the per-round differences.
  options: {
    seed?: number
    resamples?: number
    level?: number
    paired?: boolean
    covariate?: Covariate
  } = {},
): ArmComparison {
  if (arm.length < 2 || baseline.length < 2) {
    throw new RangeError(
      `Failed to compare arms: need at least 2 trials per arm, got ${arm.length} and ${baseline.length}.`,
    )
  }
  const rng = createRng(options.seed ?? 1)
  const random = () => rng.next()
  const resamples = options.resamples ?? BOOTSTRAP_RESAMPLES
  const effects = new Float64Array(resamples)
  const differences = new Float64Array(resamples)
  const paired = options.paired === true
  if (paired && arm.length !== baseline.length) {
    throw new RangeError(
      `Failed to compare paired arms: ${arm.length} and ${baseline.length} trials do not pair up.`,
    )
  }
  const covariate = options.covariate
  if (
    covariate &&
    (!paired || covariate.arm.length !== arm.length || covariate.baseline.length !== arm.length)
  ) {
    throw new RangeError(
      `Failed to adjust for covariate ${covariate.name}: it needs paired trials and one value per trial of each arm.`,
    )
  }
  const meansOf = covariate
    ? adjustedMeans(arm, baseline, covariate)
    : (picked: readonly number[]) => ({
        a: mean(picked.map((r) => arm[r]!)),
        b: mean(picked.map((r) => baseline[r]!)),
      })
  const rounds = Array.from({ length: arm.length }, (_, i) => i)
  for (let i = 0; i < resamples; i++) {
    const { a, b } = paired
      ? meansOf(sampleWithReplacement(rounds, rounds.length, random))
      : {
          a: mean(sampleWithReplacement([...arm], arm.length, random)),
          b: mean(sampleWithReplacement([...baseline], baseline.length, random)),
        }
    effects[i] = a / b - 1
    differences[i] = a - b
  }
  const tail = expandedTail(Math.min(arm.length, baseline.length), options.level ?? 0.95)
  const interval = (values: Float64Array): [number, number] => {
    const sorted = Array.from(values.sort())
    return [quantileSorted(sorted, tail), quantileSorted(sorted, 1 - tail)]
  }
  const whole = paired ? meansOf(rounds) : { a: mean([...arm]), b: mean([...baseline]) }
  const ratio = whole.a / whole.b
  const fit = covariate ? fitCovariate(arm, baseline, covariate, rounds) : undefined
  return {
    ratio,
    effect: ratio - 1,
    ci95: interval(effects),
    difference: whole.a - whole.b,
    difference_ci95: interval(differences),
    p_value: paired
      ? signFlipPValue(
          arm.map((a, i) => a - baseline[i]! - (fit ? fit.theta * fit.c[i]! : 0)),
          random,
        )
      : permutationTest([...arm], [...baseline], 'two_side', 10_000, random),
    n_arm: arm.length,
    n_baseline: baseline.length,
    ...(covariate && fit
      ? {
          covariate: {
            name: covariate.name,
            theta: fit.theta,
            variance_explained: fit.varianceExplained,
            unadjusted_ci95: compareArms(arm, baseline, withoutCovariate(options)).ci95,
          },
        }
      : {}),
  }
}

function withoutCovariate<T extends { covariate?: Covariate }>(options: T): Omit<T, 'covariate'> {
  const { covariate: _, ...rest } = options
  return rest
}

// A figure measured beside the metric in every trial, which the arms cannot move.
export type Covariate = { name: string; arm: readonly number[]; baseline: readonly number[] }

// The per-round differences of metric (d) and covariate (c) over the picked rounds, and the
// least-squares slope of d on c (0 when c does not vary).
function fitCovariate(
  arm: readonly number[],
  baseline: readonly number[],
  covariate: Covariate,
  picked: readonly number[],
): { theta: number; d: number[]; c: number[]; varianceExplained: number } {
  const d = picked.map((r) => arm[r]! - baseline[r]!)
  const c = picked.map((r) => covariate.arm[r]! - covariate.baseline[r]!)
  const dMean = mean(d)
  const cMean = mean(c)
  let sxy = 0
  let sxx = 0
  let syy = 0
  for (let i = 0; i < d.length; i++) {
    sxy += (d[i]! - dMean) * (c[i]! - cMean)
    sxx += (c[i]! - cMean) ** 2
    syy += (d[i]! - dMean) ** 2
  }
  const theta = sxx > 0 ? sxy / sxx : 0
  return { theta, d, c, varianceExplained: sxx > 0 && syy > 0 ? (sxy * sxy) / (sxx * syy) : 0 }
}

// Arm and baseline means over the picked rounds, the arm's shifted by the adjusted difference:
// b + mean(d) − θ·mean(c).
function adjustedMeans(
  arm: readonly number[],
  baseline: readonly number[],
  covariate: Covariate,
): (picked: readonly number[]) => { a: number; b: number } {
  return (picked) => {
    const { theta, d, c } = fitCovariate(arm, baseline, covariate, picked)
    const b = mean(picked.map((r) => baseline[r]!))
    return { a: b + mean(d) - theta * mean(c), b }
  }
}

export type OverheadVerdict = 'pass' | 'fail' | 'inconclusive'

export function overheadVerdict(comparison: ArmComparison, limit: number): OverheadVerdict {
  const [low, high] = comparison.ci95
  if (high < limit) return 'pass'
  if (low > limit) return 'fail'
  return 'inconclusive'
}

// How many trials per arm would probably settle an inconclusive line: the interval's half-width
// shrinks as 1/√n, so it must shrink until it no longer reaches the limit from the estimate.
// A rough planning figure (it assumes the estimate stays put), capped at 200.
export function repeatsToSettle(comparison: ArmComparison, limit: number): number | null {
  const [low, high] = comparison.ci95
  if (high < limit || low > limit) return null
  const halfWidth = (high - low) / 2
  const distance = Math.abs(limit - comparison.effect)
  if (distance === 0) return 200
  const n = Math.min(comparison.n_arm, comparison.n_baseline)
  return Math.min(200, Math.ceil(n * (halfWidth / distance) ** 2))
}

// Student t quantiles t(0.975, df) and t(0.9995, df) for df = 1…30 (standard tables); beyond 30
// the normal quantile is close enough for this purpose.
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
]
const T_9995 = [
  636.62, 31.599, 12.924, 8.61, 6.869, 5.959, 5.408, 5.041, 4.781, 4.587, 4.437, 4.318, 4.221, 4.14, 4.073,
  4.015, 3.965, 3.922, 3.883, 3.85, 3.819, 3.792, 3.768, 3.745, 3.725, 3.707, 3.69, 3.674, 3.659, 3.646,
]

// The lower tail probability of the expanded percentile interval for n observations.
export function expandedTail(n: number, level: number): number {
  const table = level >= 0.999 ? T_9995 : level >= 0.95 ? T_975 : undefined
  if (!table)
    throw new RangeError(`Failed to size a confidence interval: level ${level} is not 0.95 or 0.999.`)
  const df = Math.max(1, n - 1)
  const t = df <= table.length ? table[df - 1]! : level >= 0.999 ? 3.291 : 1.96
  return standardNormalCdf(-Math.sqrt(n / Math.max(1, n - 1)) * t)
}

// Φ(x) = (1 + erf(x/√2))/2. Not simple-statistics' cumulativeStdNormalProbability: that reads a
// table at z rounded to 0.01 and stops at |z| = 3.09 (Φ = 0.001), so the expanded tails of 2–5
// trials per arm (Φ(−3.1) … Φ(−18)) all came out as 0.001, a narrower interval than the method's.
function standardNormalCdf(x: number): number {
  return 0.5 * (1 + errorFunction(x / Math.SQRT2))
}

// Two-sided sign-flip permutation test for paired differences (Fisher's randomisation test):
// under "no difference" each round's difference is as likely to have either sign. Exact over
// all 2^n sign patterns up to n = 14, otherwise 10,000 random patterns.
export function signFlipPValue(differences: readonly number[], random: () => number): number {
  const n = differences.length
  const observed = Math.abs(differences.reduce((sum, d) => sum + d, 0))
  let extreme = 0
  let total = 0
  const count = (signs: (i: number) => number) => {
    let sum = 0
    for (let i = 0; i < n; i++) sum += signs(i) * differences[i]!
    total++
    if (Math.abs(sum) >= observed - 1e-12) extreme++
  }
  if (n <= 14) {
    for (let mask = 0; mask < 2 ** n; mask++) count((i) => ((mask >> i) & 1 ? -1 : 1))
  } else {
    for (let k = 0; k < 10_000; k++) count(() => (random() < 0.5 ? -1 : 1))
  }
  return extreme / total
}
