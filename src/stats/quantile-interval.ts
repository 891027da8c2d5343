// Distribution-free confidence intervals for a percentile (from order statistics) and for a
// proportion (Clopper–Pearson), both from the exact binomial distribution.
//
// Percentile. For n independent draws from a continuous distribution, the number B of draws at or
// below the true q-quantile ξ is Binomial(n, q), and the r-th smallest draw x₍ᵣ₎ is ≤ ξ exactly
// when B ≥ r. So P(x₍ᵣ₎ > ξ) = P(B ≤ r − 1) and P(x₍ₛ₎ < ξ) = P(B ≥ s), whatever the
// distribution (Conover, "Practical Nonparametric Statistics", 3rd ed., §3.2; Hahn & Meeker,
// "Statistical Intervals", §5.2). The interval [x₍ᵣ₎, x₍ₛ₎] takes the largest r with
// P(B ≤ r − 1) ≤ α/2 and the smallest s with P(B ≥ s) ≤ α/2, so each side errs with probability at
// most α/2 (ties in the data only make it more conservative). When no rank in 1…n qualifies, that
// side is unbounded (null): e.g. a p99 has no upper bound from fewer than 368 draws at 95%, since
// even the maximum is below the p99 with probability 0.99ⁿ > 2.5%.
//
// The exact binomial is used, not the normal approximation n·q ± z·√(n·q·(1−q)): at the sample
// sizes where the question matters (a p99 from ~100 spans) the approximation claims the maximum
// as a 95% upper bound when its coverage is 1 − 0.99¹⁰⁰ = 63%.
import { gammaln } from 'simple-statistics'

export const CONFIDENCE = 0.95

// P(B ≤ k) for B ~ Binomial(n, p). The probability mass is summed only within 12 standard
// deviations (+12) of the mean, where all but < 1e-14 of it lies, so the cost is O(√n), not O(n).
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0
  if (k >= n || p <= 0) return 1
  if (p >= 1) return 0
  const { lo, hi } = massWindow(n, p)
  if (k < lo) return 0
  if (k >= hi) return 1
  let sum = 0
  walkPmf(n, p, lo, k, (_, mass) => {
    sum += mass
  })
  return Math.min(1, sum)
}

function massWindow(n: number, p: number): { lo: number; hi: number } {
  const margin = 12 * Math.sqrt(n * p * (1 - p)) + 12
  return { lo: Math.max(0, Math.floor(n * p - margin)), hi: Math.min(n, Math.ceil(n * p + margin)) }
}

// Calls visit(j, P(B = j)) for j = from…to, by the ratio P(j+1)/P(j) = (n−j)/(j+1) · p/(1−p),
// starting from the log-pmf at `from` (log-gamma, so large n neither overflows nor underflows).
function walkPmf(n: number, p: number, from: number, to: number, visit: (j: number, mass: number) => void) {
  const logOdds = Math.log(p) - Math.log1p(-p)
  let logPmf = gammaln(n + 1) - gammaln(from + 1) - gammaln(n - from + 1) + from * Math.log(p)
  logPmf += (n - from) * Math.log1p(-p)
  for (let j = from; j <= to; j++) {
    visit(j, Math.exp(logPmf))
    logPmf += Math.log((n - j) / (j + 1)) + logOdds
  }
}

export type RankInterval = { low: number | null; high: number | null }

// The 1-based ranks r and s of the interval [x₍ᵣ₎, x₍ₛ₎] for the q-quantile of n draws (see top).
export function quantileRanks(n: number, q: number, confidence = CONFIDENCE): RankInterval {
  if (!(n >= 1) || !Number.isInteger(n))
    throw new RangeError(`Failed to rank: n must be a positive integer, got ${n}.`)
  if (!(q > 0 && q < 1)) throw new RangeError(`Failed to rank: q must be in (0, 1), got ${q}.`)
  const tail = (1 - confidence) / 2
  const { lo, hi } = massWindow(n, q)
  // F(j) ≈ 0 below the window and ≈ 1 above it.
  let lastAtOrBelowTail = lo - 1 // the largest j with F(j) ≤ tail
  let firstAtOrAboveUpper = hi // the smallest j with F(j) ≥ 1 − tail
  let cdf = 0
  let found = false
  walkPmf(n, q, lo, hi, (j, mass) => {
    cdf += mass
    if (cdf <= tail) lastAtOrBelowTail = j
    if (!found && cdf >= 1 - tail) {
      firstAtOrAboveUpper = j
      found = true
    }
  })
  const low = lastAtOrBelowTail + 1
  const high = firstAtOrAboveUpper + 1
  return { low: low >= 1 ? low : null, high: high <= n ? high : null }
}

export type ValueInterval = { low: number | null; high: number | null; ranks: RankInterval }

// The interval's values, read with valueAtRank(rank) (1-based) from sorted data or a histogram.
export function quantileInterval(
  n: number,
  q: number,
  valueAtRank: (rank: number) => number,
  confidence = CONFIDENCE,
): ValueInterval | null {
  if (n < 1) return null
  const ranks = quantileRanks(n, q, confidence)
  return {
    low: ranks.low === null ? null : valueAtRank(ranks.low),
    high: ranks.high === null ? null : valueAtRank(ranks.high),
    ranks,
  }
}

// The fewest draws for which the q-quantile has an upper bound at all: the smallest n with
// qⁿ ≤ α/2 (the maximum then qualifies as x₍ₛ₎).
export function minCountForUpperBound(q: number, confidence = CONFIDENCE): number {
  return Math.ceil(Math.log((1 - confidence) / 2) / Math.log(q))
}

// Clopper–Pearson ("exact") interval for a proportion from k successes in n trials (Clopper &
// Pearson, Biometrika 1934): the lower bound is the p at which P(B ≥ k) = α/2, the upper the p at
// which P(B ≤ k) = α/2. Found by bisection on the binomial CDF (monotone in p) to 1e-12, rather
// than through beta quantiles, which nothing installed here provides.
export function clopperPearson(k: number, n: number, confidence = CONFIDENCE): [number, number] {
  if (!(n >= 1) || !Number.isInteger(k) || k < 0 || k > n) {
    throw new RangeError(`Failed to bound a proportion: expected 0 ≤ k ≤ n, n ≥ 1, got k=${k}, n=${n}.`)
  }
  const tail = (1 - confidence) / 2
  const low = k === 0 ? 0 : bisect((p) => 1 - binomialCdf(k - 1, n, p) >= tail)
  const high = k === n ? 1 : bisect((p) => binomialCdf(k, n, p) <= tail)
  return [low, high]
}

// The smallest p in [0, 1] where `reached(p)` holds, for a predicate monotone in p.
function bisect(reached: (p: number) => boolean): number {
  let lo = 0
  let hi = 1
  while (hi - lo > 1e-12) {
    const mid = (lo + hi) / 2
    if (reached(mid)) hi = mid
    else lo = mid
  }
  return (lo + hi) / 2
}

// How many draws would make a percentile's interval exclude `limit`, if the estimate stayed where
// it is: a rough planning figure, as for the overhead repeats. The interval's side facing the
// limit shrinks about as 1/√n (its width is ≈ 2z·√(q(1−q)/n) / density at the quantile), so it
// must shrink by (distance to the limit / current half-width)². A missing side is stood in for by
// the sample's extreme (`min`/`max`), and the upper side needs minCountForUpperBound draws first.
// null when the estimate sits on the limit: no run length decides that.
export function countToExcludeQuantile(input: {
  n: number
  q: number
  estimate: number
  low: number | null
  high: number | null
  min: number
  max: number
  limit: number
}): number | null {
  const { n, q, estimate, limit } = input
  if (estimate === limit) return null
  if (estimate < limit) {
    const side = (input.high ?? input.max) - estimate
    const scaled = Math.ceil(n * (side / (limit - estimate)) ** 2)
    return Math.max(scaled, n + 1, input.high === null ? minCountForUpperBound(q) : 0)
  }
  const side = estimate - (input.low ?? input.min)
  return Math.max(Math.ceil(n * (side / (estimate - limit)) ** 2), n + 1)
}

// How many trials would make the Clopper–Pearson interval exclude `limit` at the observed rate
// k/n (held fixed): found by doubling, then bisection to within 1%; null when the rate equals the
// limit or more than 10⁹ trials would be needed.
export function countToExcludeProportion(k: number, n: number, limit: number, confidence = CONFIDENCE) {
  const rate = k / n
  if (rate === limit) return null
  const decided = (m: number) => {
    const [low, high] = clopperPearson(Math.round(rate * m), m, confidence)
    return high <= limit || low > limit
  }
  let lo = n
  let hi = Math.max(2 * n, 2)
  while (!decided(hi)) {
    lo = hi
    hi *= 2
    if (hi > 1e9) return null
  }
  while (hi - lo > Math.max(1, lo * 0.01)) {
    const mid = Math.floor((lo + hi) / 2)
    if (decided(mid)) hi = mid
    else lo = mid
  }
  return hi
}
