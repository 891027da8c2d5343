import { describe, expect, it } from 'vitest'
import {
  createLatencySampler,
  modelQuantileMs,
  normalCdf,
  normalQuantile,
  sampleTokenLatency,
  Z_99,
} from '../../../src/mocks/latency-model.ts'
import { createRng } from '../../../src/mocks/rng.ts'
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

const BASIC_CASES: { name: string; model: LatencyModel }[] = [
  { name: 'fixed', model: { kind: 'fixed', ms: 45 } },
  { name: 'uniform', model: { kind: 'uniform', minMs: 20, maxMs: 80 } },
  { name: 'normal', model: { kind: 'normal', meanMs: 100, stddevMs: 30 } },
  // Mean close to 0: a third of the untruncated mass lies below 0, so truncation matters.
  { name: 'normal, heavily truncated', model: { kind: 'normal', meanMs: 10, stddevMs: 20 } },
  { name: 'lognormal', model: { kind: 'lognormal', p50Ms: 180, p99Ms: 400 } },
]

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
  it.each(BASIC_CASES)('$name', ({ model }) => {
    const sorted = sampleSorted(createLatencySampler(model, createRng(11)))
    expect(sorted[0]!).toBeGreaterThanOrEqual(0)
    for (const q of QUANTILES) {
      const expected = modelQuantileMs(model, q)
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
    for (const q of QUANTILES) {
      const expected = modelQuantileMs(TOKEN_MODEL, q)
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
    expect(modelQuantileMs(model, 0.9)).toBeCloseTo(modelQuantileMs(TOKEN_MODEL.ttft, 0.9) + 2000, 6)
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
