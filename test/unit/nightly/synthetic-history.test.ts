import { mean, quantile, sampleStandardDeviation } from 'simple-statistics'
import { describe, expect, it } from 'vitest'
import type { StoredReport } from '../../../src/nightly/stored-report.ts'
import {
  baselineLikeSpecs,
  fabricateHistory,
  lognormalFactor,
  syntheticNights,
} from '../../../src/nightly/synthetic-history.ts'
import { createRng } from '../../../src/rng.ts'
import { sampleReport } from '../report/sample-report.ts'

describe('synthetic noise', () => {
  it.each([0.02, 0.05, 0.1])('draws lognormal factors with median 1 and CV %s', (cv) => {
    const rng = createRng(42)
    const draws = Array.from({ length: 20_000 }, () => lognormalFactor(rng, cv))
    expect(quantile(draws, 0.5)).toBeCloseTo(1, 2)
    expect(sampleStandardDeviation(draws) / mean(draws)).toBeCloseTo(cv, 2)
  })

  it('is the same for the same seed, and slows down only the named stage from the named night', () => {
    const specs = baselineLikeSpecs(1, 'measured')
    const a = syntheticNights({ specs, nights: 4, seed: 9 })
    expect(syntheticNights({ specs, nights: 4, seed: 9 })).toEqual(a)
    const slow = syntheticNights({
      specs,
      nights: 4,
      seed: 9,
      slowdown: { stage: 'rerank', factor: 1.1, fromNight: 2 },
    })
    for (let night = 0; night < 4; night++) {
      for (const [key, m] of Object.entries(slow[night]!.metrics)) {
        const ratio = m.value / a[night]!.metrics[key]!.value
        const slowed = night >= 2 && m.stage === 'rerank' && m.unit === 'ms'
        if (Number.isFinite(ratio)) expect(ratio, `${night} ${key}`).toBeCloseTo(slowed ? 1.1 : 1, 10)
      }
    }
    expect(a.map((r) => r.startedAt.slice(0, 10))).toEqual([
      '2026-01-01',
      '2026-01-02',
      '2026-01-03',
      '2026-01-04',
    ])
  })
})

describe('fabricateHistory (--seed-history)', () => {
  const report = sampleReport() as unknown as StoredReport
  const nights = fabricateHistory(report, { nights: 5, seed: 3 })

  it('makes n nights one day apart ending the day before the run, each marked synthetic, without exemplars', () => {
    expect(nights.map((n) => n.started_at)).toEqual([
      '2026-11-22T05:12:03.456Z',
      '2026-11-23T05:12:03.456Z',
      '2026-11-24T05:12:03.456Z',
      '2026-11-25T05:12:03.456Z',
      '2026-11-26T05:12:03.456Z',
    ])
    for (const night of nights) {
      expect(night.synthetic).toBe(true)
      expect(night.exemplars).toEqual([])
    }
    expect(report.synthetic).toBeUndefined()
  })

  it('scales each stage by one factor, so percentiles stay in order, and re-evaluates the budgets', () => {
    for (const night of nights) {
      const stage = night.stages.rag_pipeline!
      expect(stage.p50_ms).toBeLessThanOrEqual(stage.p95_ms)
      expect(stage.p95_ms).toBeLessThanOrEqual(stage.p99_ms)
      expect(stage.p95_ms / stage.p50_ms).toBeCloseTo(
        report.stages.rag_pipeline!.p95_ms / report.stages.rag_pipeline!.p50_ms,
        10,
      )
      const budget = night.budgets.find((b) => b.target === 'rag_pipeline' && b.metric === 'p95')!
      expect(budget.actual).toBe(stage.p95_ms)
      expect(night.budgets.find((b) => b.target === 'throughput')!.actual).toBe(night.load.rps)
    }
    expect(new Set(nights.map((n) => n.stages.rag_pipeline!.p50_ms)).size).toBe(5)
  })

  it('is the same for the same seed', () => {
    expect(fabricateHistory(report, { nights: 5, seed: 3 })).toEqual(nights)
    expect(fabricateHistory(report, { nights: 5, seed: 4 })).not.toEqual(nights)
  })
})
