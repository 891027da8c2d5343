import { describe, expect, it } from 'vitest'
import {
  createLatencySampler,
  modelQuantileMs,
  normalCdf,
  normalQuantile,
  sampleTokenLatency,
  Z_99,
} from '../../../src/mocks/latency-model.ts'
import { createRng } from '../../../src/rng.ts'
import type { LatencyModel, TokenLatencyModel } from '../../../src/scenario/schema.ts'

const N = 100_000
const QUANTILES = [0.5, 0.9, 0.99]

// Tolerance: 2% of the analytic value or 1 ms, whichever is larger. With 100k draws the
// standard error of a p99 is under 0.5% of the value for these models, so 2% is 4+ standard
// errors: a wrong formula (e.g. clamping the normal instead of truncating) misses by far more.
const tolerance = (expectedMs: number) => Math.max(0.02 * expectedMs, 1)

// Inverse empirical CDF (type 1): the smallest sample with at least q of the samples at or below.
function empiricalQuantile(sorted: Float64Array, q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!
}

function sampleSorted(draw: () => number): Float64Array {
  const values = new Float64Array(N)
  for (let i = 0; i < N; i++) values[i] = draw()
  return values.sort()
}

// Each model's p50, p90 and p99, from closed forms or computed once with SciPy 1.17.1 (not with
// this project's modelQuantileMs, which is checked against the same values below):
// - uniform: min + q·(max − min);
// - normal truncated at 0: scipy.stats.truncnorm(a=−mean/sd, b=∞, loc=mean, scale=sd).ppf(q);
// - lognormal: p50·exp(Φ⁻¹(q)·σ), σ = ln(p99/p50)/Φ⁻¹(0.99);
// - tokens: the mixture CDF mean over n of lognorm.cdf(x − 20n), n = 50..300, inverted by brentq.
const BASIC_CASES: { name: string; model: LatencyModel; expected: [number, number, number] }[] = [
  { name: 'fixed', model: { kind: 'fixed', ms: 45 }, expected: [45, 45, 45] },
  { name: 'uniform', model: { kind: 'uniform', minMs: 20, maxMs: 80 }, expected: [50, 74, 79.4] },
  {
    name: 'normal',
    model: { kind: 'normal', meanMs: 100, stddevMs: 30 },
    expected: [100.01613242221822, 138.45388255002737, 169.79526668507765],
  },
  // Mean close to 0: a third of the untruncated mass lies below 0, so truncation matters.
  {
    name: 'normal, heavily truncated',
    model: { kind: 'normal', meanMs: 10, stddevMs: 20 },
    expected: [17.937423501790896, 39.64359356881815, 59.233366298201716],
  },
  {
    name: 'lognormal',
    model: { kind: 'lognormal', p50Ms: 180, p99Ms: 400 },
    expected: [180, 279.45555098507924, 400],
  },
]
const TOKEN_EXPECTED = [3835.3888408838275, 5843.389112779527, 6379.047235112095]

const TOKEN_MODEL: TokenLatencyModel = {
  kind: 'tokens',
  ttft: { kind: 'lognormal', p50Ms: 300, p99Ms: 900 },
  perTokenMs: 20,
  outputTokens: { min: 50, max: 300 },
}

describe('standard normal helpers', () => {
  it('matches reference values', () => {
    expect(normalQuantile(0.99)).toBeCloseTo(Z_99, 7)
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9)
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306, 6)
    expect(normalCdf(1.959963985)).toBeCloseTo(0.975, 6)
    expect(normalCdf(0)).toBeCloseTo(0.5, 7)
  })
})

describe('latency samplers against their analytic quantiles (100k draws, seed 11)', () => {
  it.each(BASIC_CASES)('$name', ({ model, expected: quantiles }) => {
    const sorted = sampleSorted(createLatencySampler(model, createRng(11)))
    expect(sorted[0]!).toBeGreaterThanOrEqual(0)
    for (const [i, q] of QUANTILES.entries()) {
      const expected = quantiles[i]!
      expect(
        Math.abs(empiricalQuantile(sorted, q) - expected),
        `q=${q}, model ${expected} ms`,
      ).toBeLessThanOrEqual(tolerance(expected))
    }
  })

  it('tokens (ttft lognormal + 20 ms × uniform 50..300 tokens)', () => {
    const rng = createRng(11)
    const counts = new Set<number>()
    const sorted = sampleSorted(() => {
      const { latencyMs, outputTokens } = sampleTokenLatency(TOKEN_MODEL, rng)
      counts.add(outputTokens)
      return latencyMs
    })
    for (const [i, q] of QUANTILES.entries()) {
      const expected = TOKEN_EXPECTED[i]!
      expect(
        Math.abs(empiricalQuantile(sorted, q) - expected),
        `q=${q}, model ${expected} ms`,
      ).toBeLessThanOrEqual(tolerance(expected))
    }
    expect(Math.min(...counts)).toBe(50)
    expect(Math.max(...counts)).toBe(300)
  })
})

describe('analytic quantiles', () => {
  it.each(BASIC_CASES)('$name: equal the independently computed values', ({ model, expected }) => {
    QUANTILES.forEach((q, i) => {
      // To 1e-5 ms: the truncated normal goes through normalCdf's approximation (about 1e-7).
      expect(modelQuantileMs(model, q), `q=${q}`).toBeCloseTo(expected[i]!, 5)
    })
  })

  it('tokens: equal the mixture quantiles computed with SciPy', () => {
    QUANTILES.forEach((q, i) => {
      expect(modelQuantileMs(TOKEN_MODEL, q), `q=${q}`).toBeCloseTo(TOKEN_EXPECTED[i]!, 4)
    })
  })

  it('give the lognormal its configured p50 and p99 exactly', () => {
    const model: LatencyModel = { kind: 'lognormal', p50Ms: 180, p99Ms: 400 }
    expect(modelQuantileMs(model, 0.5)).toBeCloseTo(180, 6)
    expect(modelQuantileMs(model, 0.99)).toBeCloseTo(400, 4)
  })

  it('truncate the normal at 0 (resampled) rather than clamp it', () => {
    // Clamped, the median would stay at the mean (10 ms); truncated, it moves up.
    const median = modelQuantileMs({ kind: 'normal', meanMs: 10, stddevMs: 20 }, 0.5)
    expect(median).toBeGreaterThan(15)
    expect(modelQuantileMs({ kind: 'normal', meanMs: 10, stddevMs: 20 }, 0)).toBe(0)
  })

  it('reduce to shifted ttft quantiles when the token count is fixed', () => {
    const model: TokenLatencyModel = { ...TOKEN_MODEL, outputTokens: { min: 100, max: 100 } }
    // 300·exp(Φ⁻¹(0.9)·ln 3/Φ⁻¹(0.99)) + 20 × 100 (SciPy 1.17.1).
    expect(modelQuantileMs(model, 0.9)).toBeCloseTo(2549.490878710049, 6)
  })

  it('reject q outside [0, 1]', () => {
    expect(() => modelQuantileMs({ kind: 'fixed', ms: 1 }, 1.5)).toThrow(/q in \[0, 1\]/)
  })
})

describe('seeding', () => {
  const models: (LatencyModel | TokenLatencyModel)[] = [
    ...BASIC_CASES.map((c) => c.model).slice(1),
    TOKEN_MODEL,
  ]
  const drawSequence = (model: LatencyModel | TokenLatencyModel, seed: number) => {
    const rng = createRng(seed)
    const draw =
      model.kind === 'tokens'
        ? () => sampleTokenLatency(model, rng).latencyMs
        : createLatencySampler(model, rng)
    return Array.from({ length: 200 }, draw)
  }

  it.each(models.map((model) => ({ kind: model.kind, model })))(
    '$kind: same seed, same sequence; other seed, other sequence',
    ({ model }) => {
      expect(drawSequence(model, 5)).toEqual(drawSequence(model, 5))
      expect(drawSequence(model, 6)).not.toEqual(drawSequence(model, 5))
    },
  )
})
