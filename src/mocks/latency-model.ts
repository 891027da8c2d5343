// Latency models of the mocked dependencies: sampling (seeded) and analytic quantiles.
// The quantiles let a run compare each measured dependency span with the model it was configured
// with (mock fidelity): a mock that is systematically late shows up as measured p50 − model p50.

import type { Rng } from '../rng.ts'
import type { LatencyModel, TokenLatencyModel } from '../scenario/schema.ts'

// Φ⁻¹(0.99), the standard normal 99th percentile.
export const Z_99 = 2.326347874

// ── Standard normal CDF and quantile ───────────────────────────────────────────────────────

// erfc by the Chebyshev-fitted rational form of Press et al., Numerical Recipes (2nd ed., §6.2,
// `erfcc`): fractional error below 1.2e-7 everywhere, far below the sampling noise we compare to.
const ERFC_COEFFICIENTS = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587,
  -0.82215223, 0.17087277,
]

function erfc(x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  let poly = 0
  for (let i = ERFC_COEFFICIENTS.length - 1; i >= 0; i--) poly = poly * t + ERFC_COEFFICIENTS[i]!
  const r = t * Math.exp(-z * z + poly)
  return x >= 0 ? r : 2 - r
}

export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2)
}

// Peter Acklam's rational approximation of the normal quantile (relative error below 1.15e-9).
const A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
  2.506628277459239,
]
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572]
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
]
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416]
const P_LOW = 0.02425

function tail(q: number): number {
  const [c0, c1, c2, c3, c4, c5] = C as [number, number, number, number, number, number]
  const [d0, d1, d2, d3] = D as [number, number, number, number]
  return (
    (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
  )
}

export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY
  if (p >= 1) return Number.POSITIVE_INFINITY
  if (p < P_LOW) return tail(Math.sqrt(-2 * Math.log(p)))
  if (p > 1 - P_LOW) return -tail(Math.sqrt(-2 * Math.log(1 - p)))
  const [a0, a1, a2, a3, a4, a5] = A as [number, number, number, number, number, number]
  const [b0, b1, b2, b3, b4] = B as [number, number, number, number, number]
  const q = p - 0.5
  const r = q * q
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  )
}

// ── Basic models ────────────────────────────────────────────────────────────────────────────

function lognormalParams(model: { p50Ms: number; p99Ms: number }): { mu: number; sigma: number } {
  const mu = Math.log(model.p50Ms)
  return { mu, sigma: (Math.log(model.p99Ms) - mu) / Z_99 }
}

// The normal model is truncated at 0 by RESAMPLING, not clamping: clamping would put a point
// mass of Φ(−mean/stddev) at exactly 0 ms (instant responses no service gives, and a spike at 0 in
// every histogram), while resampling yields a proper truncated normal whose quantiles stay
// analytic (see `truncatedNormalQuantile`). The schema's durations are ≥ 0, so mean ≥ 0 and each
// draw is accepted with probability ≥ 1/2: at most 2 draws on average.
function drawTruncatedNormal(meanMs: number, stddevMs: number, rng: Rng): number {
  if (stddevMs <= 0) return Math.max(0, meanMs)
  for (;;) {
    const value = meanMs + stddevMs * rng.normal()
    if (value >= 0) return value
  }
}

function truncatedNormalQuantile(meanMs: number, stddevMs: number, q: number): number {
  if (stddevMs <= 0) return Math.max(0, meanMs)
  if (q <= 0) return 0
  const below = normalCdf(-meanMs / stddevMs)
  return Math.max(0, meanMs + stddevMs * normalQuantile(below + q * (1 - below)))
}

function basicCdf(model: LatencyModel, x: number): number {
  switch (model.kind) {
    case 'fixed':
      return x >= model.ms ? 1 : 0
    case 'uniform':
      if (x >= model.maxMs) return 1
      return x < model.minMs ? 0 : (x - model.minMs) / (model.maxMs - model.minMs)
    case 'normal': {
      if (x < 0) return 0
      if (model.stddevMs <= 0) return x >= model.meanMs ? 1 : 0
      const below = normalCdf(-model.meanMs / model.stddevMs)
      return (normalCdf((x - model.meanMs) / model.stddevMs) - below) / (1 - below)
    }
    case 'lognormal': {
      if (x <= 0) return 0
      const { mu, sigma } = lognormalParams(model)
      if (sigma <= 0) return x >= model.p50Ms ? 1 : 0
      return normalCdf((Math.log(x) - mu) / sigma)
    }
  }
}

function basicQuantile(model: LatencyModel, q: number): number {
  switch (model.kind) {
    case 'fixed':
      return model.ms
    case 'uniform':
      return model.minMs + q * (model.maxMs - model.minMs)
    case 'normal':
      return truncatedNormalQuantile(model.meanMs, model.stddevMs, q)
    case 'lognormal': {
      const { mu, sigma } = lognormalParams(model)
      if (sigma <= 0) return model.p50Ms
      return Math.exp(mu + sigma * normalQuantile(q))
    }
  }
}

// Parameters are worked out once per sampler, not per draw.
export function createLatencySampler(model: LatencyModel, rng: Rng): () => number {
  switch (model.kind) {
    case 'fixed': {
      const ms = Math.max(0, model.ms)
      return () => ms
    }
    case 'uniform': {
      const { minMs } = model
      const widthMs = model.maxMs - model.minMs
      return () => minMs + widthMs * rng.next()
    }
    case 'normal': {
      const { meanMs, stddevMs } = model
      return () => drawTruncatedNormal(meanMs, stddevMs, rng)
    }
    case 'lognormal': {
      const { mu, sigma } = lognormalParams(model)
      return () => Math.exp(mu + sigma * rng.normal())
    }
  }
}

// ── Token model: time to first token + per-token time × output tokens ───────────────────────

// The ttft sampler is built once per (model, rng) pair and reused across calls.
const ttftSamplers = new WeakMap<LatencyModel, WeakMap<Rng, () => number>>()

function ttftSampler(model: LatencyModel, rng: Rng): () => number {
  let byRng = ttftSamplers.get(model)
  if (!byRng) {
    byRng = new WeakMap()
    ttftSamplers.set(model, byRng)
  }
  let sampler = byRng.get(rng)
  if (!sampler) {
    sampler = createLatencySampler(model, rng)
    byRng.set(rng, sampler)
  }
  return sampler
}

// Draw order (fixed, so a seed reproduces a run): the ttft first, then the token count, then
// (only for a per_token model that is not fixed) one gap per output token.
export function sampleTokenLatency(
  model: TokenLatencyModel,
  rng: Rng,
): { latencyMs: number; outputTokens: number } {
  const { ttftMs, outputTokens, gapsMs } = sampleTokenTimeline(model, rng)
  let latencyMs = ttftMs
  for (const gap of gapsMs) latencyMs += gap
  return { latencyMs, outputTokens }
}

export type TokenTimeline = {
  ttftMs: number
  outputTokens: number
  // One gap per output token (a whole answer takes ttft + every gap, as it always has). A stream
  // sends its first token at ttft and token i + 1 one gap after token i: it uses the first
  // outputTokens − 1 gaps, so TPOT = (e2e − ttft) / (tokens − 1) recovers the per-token model.
  gapsMs: Float64Array
}

export function sampleTokenTimeline(model: TokenLatencyModel, rng: Rng): TokenTimeline {
  const ttftMs = ttftSampler(model.ttft, rng)()
  const outputTokens = rng.int(model.outputTokens.min, model.outputTokens.max)
  const gapsMs = new Float64Array(outputTokens)
  const perToken = model.perToken
  if (!perToken || perToken.kind === 'fixed') gapsMs.fill(model.perTokenMs)
  else {
    const draw = ttftSampler(perToken, rng)
    for (let i = 0; i < outputTokens; i++) gapsMs[i] = draw()
  }
  return { ttftMs, outputTokens, gapsMs }
}

// The token model's distribution is a mixture: the ttft distribution shifted by perTokenMs × n,
// n uniform on [min, max]. Its CDF is the average of the shifted ttft CDFs, which we invert by
// bisection: exact up to float precision (no Monte Carlo noise). Above MAX_STRATA token counts,
// n is represented by MAX_STRATA equally weighted stratum midpoints; that moves each term by at
// most perTokenMs × (range / MAX_STRATA / 2), e.g. 0.1% of the latency for n in 1..100,000.
const MAX_STRATA = 1024
const BISECTION_STEPS = 64
const tokenQuantileCache = new Map<string, number>()

function tokenQuantile(model: TokenLatencyModel, q: number): number {
  const key = `${JSON.stringify(model)}@${q}`
  const cached = tokenQuantileCache.get(key)
  if (cached !== undefined) return cached

  const { min, max } = model.outputTokens
  const count = max - min + 1
  const strata = Math.min(count, MAX_STRATA)
  const shiftsMs = Array.from(
    { length: strata },
    (_, j) => model.perTokenMs * (min + Math.floor(((j + 0.5) * count) / strata)),
  )
  const cdf = (x: number): number => {
    let sum = 0
    for (const shiftMs of shiftsMs) sum += basicCdf(model.ttft, x - shiftMs)
    return sum / strata
  }
  // The quantile lies between the ttft quantile shifted by the smallest and by the largest count.
  const ttftQ = basicQuantile(model.ttft, q)
  let lo = ttftQ + model.perTokenMs * min
  let hi = ttftQ + model.perTokenMs * max
  if (!Number.isFinite(ttftQ) || q <= 0 || hi <= lo) {
    tokenQuantileCache.set(key, lo)
    return lo
  }
  for (let step = 0; step < BISECTION_STEPS; step++) {
    const mid = (lo + hi) / 2
    if (cdf(mid) >= q) hi = mid
    else lo = mid
  }
  tokenQuantileCache.set(key, hi)
  return hi
}

export function modelQuantileMs(model: LatencyModel | TokenLatencyModel, q: number): number {
  if (!(q >= 0 && q <= 1)) {
    throw new RangeError(`Failed to compute a model quantile: expected q in [0, 1], got ${q}.`)
  }
  return model.kind === 'tokens' ? tokenQuantile(model, q) : basicQuantile(model, q)
}
