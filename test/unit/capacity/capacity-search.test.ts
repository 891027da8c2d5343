import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bounds,
  estimate,
  MAX_STEPS,
  nextStep,
  plannedSteps,
  type SearchConfig,
  type StepRecord,
  type StepVerdict,
} from '../../../src/capacity/capacity-search.ts'

const config: SearchConfig = { fromRps: 5, toRps: 500, precision: 0.05 }

// Drives the search against a judge (a made-up service) until it says done.
function search(cfg: SearchConfig, judge: (rate: number, attempt: number) => StepVerdict): StepRecord[] {
  const history: StepRecord[] = []
  for (;;) {
    const next = nextStep(cfg, history)
    if (next.kind === 'done') return history
    const verdict = judge(next.rateRps, next.attempt)
    history.push({
      rateRps: next.rateRps,
      verdict,
      budgetsFailed:
        verdict === 'fail' ? [{ target: 'rag_pipeline', metric: 'p95', excess: next.rateRps / 100 }] : [],
    })
  }
}

describe('capacity search', () => {
  it('doubles from `from` until a step fails, then bisects to the precision and confirms both bounds', () => {
    const history = search(config, (rate) => (rate <= 100 ? 'pass' : 'fail'))
    expect(history.slice(0, 6).map((s) => s.rateRps)).toEqual([5, 10, 20, 40, 80, 160])
    const result = estimate(history)
    expect(result.rateRps).not.toBeNull()
    const [lo, hi] = result.intervalRps
    expect(lo).toBeLessThanOrEqual(100)
    expect(hi).toBeGreaterThan(100)
    expect(hi! / lo! - 1).toBeLessThanOrEqual(0.05)
    expect(result.limitedBy).toEqual({ target: 'rag_pipeline', metric: 'p95' })
    // Both bounds were measured twice.
    expect(history.filter((s) => s.rateRps === lo)).toHaveLength(2)
    expect(history.filter((s) => s.rateRps === hi)).toHaveLength(2)
  })

  it('holds the true threshold in its interval, within the precision, for any threshold in range', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 5.5, max: 450, noNaN: true }),
        fc.double({ min: 0.02, max: 0.3, noNaN: true }),
        (threshold, precision) => {
          const cfg = { ...config, precision }
          const history = search(cfg, (rate) => (rate <= threshold ? 'pass' : 'fail'))
          const { intervalRps, rateRps } = estimate(history)
          expect(intervalRps[0]!).toBeLessThanOrEqual(threshold)
          expect(intervalRps[1]!).toBeGreaterThan(threshold)
          expect(rateRps).toBe(intervalRps[0])
          // 0.01 req/s rounding of the midpoints may leave a hair more than the precision.
          expect(intervalRps[1]! / intervalRps[0]! - 1).toBeLessThanOrEqual(precision + 0.01)
          expect(history.length).toBeLessThanOrEqual(plannedSteps(cfg))
        },
      ),
    )
  })

  it('reports no upper bound when every rate up to `to` passes', () => {
    const history = search(config, () => 'pass')
    expect(history.at(-1)!.rateRps).toBe(500)
    expect(estimate(history)).toMatchObject({ rateRps: 500, intervalRps: [500, null], limitedBy: null })
  })

  it('claims nothing when the first step fails (confirmed once)', () => {
    const history = search(config, () => 'fail')
    expect(history.map((s) => s.rateRps)).toEqual([5, 5])
    expect(estimate(history)).toMatchObject({ rateRps: null, intervalRps: [null, 5] })
  })

  it('stops at a rate untrusted twice and, with no budget failed below it, blames the instrument', () => {
    const history = search(config, (rate) => (rate >= 40 ? 'untrusted' : 'pass'))
    expect(history.map((s) => s.rateRps)).toEqual([5, 10, 20, 40, 40])
    expect(history.at(-1)).toMatchObject({ verdict: 'untrusted' })
    expect(estimate(history)).toEqual({
      rateRps: null,
      intervalRps: [20, null],
      limitedBy: 'instrument',
      instrumentCeilingRps: 40,
    })
  })

  it('keeps the budget as the limit when a budget failed below the untrusted rate', () => {
    const history: StepRecord[] = [
      { rateRps: 10, verdict: 'pass', budgetsFailed: [] },
      { rateRps: 20, verdict: 'fail', budgetsFailed: [{ target: 'rerank', metric: 'p95', excess: 1.2 }] },
      { rateRps: 40, verdict: 'untrusted', budgetsFailed: [] },
      { rateRps: 40, verdict: 'untrusted', budgetsFailed: [] },
    ]
    expect(nextStep(config, history)).toEqual({ kind: 'done' })
    expect(estimate(history).limitedBy).toEqual({ target: 'rerank', metric: 'p95' })
  })

  it('re-measures an untrusted step once, and goes on when the busy moment has passed', () => {
    const history: StepRecord[] = [
      { rateRps: 75, verdict: 'pass', budgetsFailed: [] },
      {
        rateRps: 150,
        verdict: 'fail',
        budgetsFailed: [{ target: 'llm_generation', metric: 'error_rate', excess: 20 }],
      },
      { rateRps: 106.07, verdict: 'untrusted', budgetsFailed: [] },
    ]
    expect(nextStep(config, history)).toEqual({
      kind: 'measure',
      rateRps: 106.07,
      reason: 'untrusted re-measure',
      attempt: 1,
    })
    const settled: StepRecord[] = [
      ...history,
      {
        rateRps: 106.07,
        verdict: 'fail',
        budgetsFailed: [{ target: 'llm_generation', metric: 'error_rate', excess: 3 }],
      },
    ]
    expect(nextStep(config, settled)).toMatchObject({ kind: 'measure', reason: 'bisection' })
    expect(estimate(settled)).toMatchObject({
      intervalRps: [75, 106.07],
      limitedBy: { target: 'llm_generation', metric: 'error_rate' },
      instrumentCeilingRps: null,
    })
  })

  it('re-measures an inconclusive step once; inconclusive twice counts as not passing', () => {
    const first: StepRecord[] = [{ rateRps: 5, verdict: 'inconclusive', budgetsFailed: [] }]
    expect(nextStep(config, first)).toEqual({
      kind: 'measure',
      rateRps: 5,
      reason: 'inconclusive re-measure',
      attempt: 1,
    })
    const settled: StepRecord[] = [...first, { rateRps: 5, verdict: 'pass', budgetsFailed: [] }]
    expect(bounds(settled)).toEqual({ lo: 5, hi: null })
    const twice: StepRecord[] = [...first, { rateRps: 5, verdict: 'inconclusive', budgetsFailed: [] }]
    expect(bounds(twice)).toEqual({ lo: null, hi: 5 })
  })

  it('widens the interval when the confirmation of the lower bound fails (noise at the boundary)', () => {
    // The service passes at 100 on the first look and fails on the second: 100 is no longer a
    // passing rate, so the search goes on below it.
    const seen = new Map<number, number>()
    const history = search(config, (rate) => {
      const n = (seen.get(rate) ?? 0) + 1
      seen.set(rate, n)
      if (rate <= 95) return 'pass'
      if (rate <= 105 && n === 1) return 'pass'
      return 'fail'
    })
    const [lo, hi] = estimate(history).intervalRps
    expect(lo).toBeLessThanOrEqual(95)
    expect(hi).toBeGreaterThan(95)
    expect(hi).toBeLessThanOrEqual(105)
  })

  it('never takes more than MAX_STEPS steps, whatever the judge says', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom<StepVerdict>('pass', 'fail', 'inconclusive', 'untrusted'), {
          minLength: 60,
          maxLength: 60,
        }),
        (verdicts) => {
          let i = 0
          const history = search(config, () => verdicts[i++ % verdicts.length]!)
          expect(history.length).toBeLessThanOrEqual(MAX_STEPS)
        },
      ),
    )
  })
})
