// Distribution functions the statistics need and simple-statistics lacks: normal tails, Student's
// t (for prediction bands, nightly/regression.ts) and binomial critical counts (for error-rate
// regressions). Each cites its method.
import { errorFunction, gammaln } from 'simple-statistics'

// Φ(−k) = erfc(k/√2)/2: the one-sided normal tail beyond k standard deviations.
export function tailProbability(k: number): number {
  return 0.5 * (1 - errorFunction(k / Math.SQRT2))
}

// P(T > t) for Student's t with ν degrees of freedom and t ≥ 0: ½ I_{ν/(ν+t²)}(ν/2, ½).
export function studentTUpperTail(t: number, nu: number): number {
  return 0.5 * incompleteBeta(nu / (nu + t * t), nu / 2, 0.5)
}

export function studentTQuantileUpper(alpha: number, nu: number): number {
  let lo = 0
  let hi = 1e4
  for (let i = 0; i < 200 && hi - lo > 1e-10; i++) {
    const mid = (lo + hi) / 2
    if (studentTUpperTail(mid, nu) > alpha) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}

// Regularised incomplete beta I_x(a, b), by its continued fraction evaluated with the modified
// Lentz method (Press et al., "Numerical Recipes", 3rd ed., §6.4).
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const front = Math.exp(gammaln(a + b) - gammaln(a) - gammaln(b) + a * Math.log(x) + b * Math.log1p(-x))
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a
  return 1 - (front * betaFraction(1 - x, b, a)) / b
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300
  const guard = (v: number) => (Math.abs(v) < tiny ? tiny : v)
  let c = 1
  let d = 1 / guard(1 - ((a + b) * x) / (a + 1))
  let h = d
  for (let m = 1; m <= 500; m++) {
    const even = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m))
    d = 1 / guard(1 + even * d)
    c = guard(1 + even / c)
    h *= d * c
    const odd = (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))
    d = 1 / guard(1 + odd * d)
    c = guard(1 + odd / c)
    const step = d * c
    h *= step
    if (Math.abs(step - 1) < 1e-13) break
  }
  return h
}

// For X ~ Binomial(n, p): the smallest count whose upper tail P(X ≥ x) ≤ α, and the largest whose
// lower tail P(X ≤ x) ≤ α (−1 when even 0 is not that unlikely).
export function binomialCriticalCounts(n: number, p: number, alpha: number): { low: number; high: number } {
  const variance = n * p * (1 - p)
  if (variance > 25) {
    const z = normalQuantileUpper(alpha)
    const sd = Math.sqrt(variance)
    return { low: Math.floor(n * p - z * sd - 0.5), high: Math.ceil(n * p + z * sd + 0.5) }
  }
  const logP = Math.log(p)
  const logQ = Math.log1p(-p)
  const logNFact = gammaln(n + 1)
  let cdf = 0
  let low = -1
  for (let x = 0; x <= n; x++) {
    cdf += Math.exp(logNFact - gammaln(x + 1) - gammaln(n - x + 1) + x * logP + (n - x) * logQ)
    if (cdf <= alpha) low = x
    if (1 - cdf <= alpha) return { low, high: x + 1 } // P(X ≥ x + 1) = 1 − P(X ≤ x)
  }
  return { low, high: n + 1 }
}

function normalQuantileUpper(alpha: number): number {
  let lo = 0
  let hi = 40
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2
    if (tailProbability(mid) > alpha) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}
