import { describe, expect, it } from 'vitest'
import { evaluateBudgets, verdictOf } from '../../../src/budget/evaluate-budgets.ts'
import { parseBudgets } from '../../../src/budget/parse-budget.ts'
import type { BudgetResult, StageStats } from '../../../src/contract/report-types.ts'

// Intervals as the collector ships them (ci95_ms): the tests fix them by hand, so each case
// exercises the decision rule at a known boundary.
function stats(overrides: Partial<StageStats>): StageStats {
  return {
    count: 100,
    error_count: 0,
    min_ms: 10,
    mean_ms: 50,
    p50_ms: 45,
    p90_ms: 80,
    p95_ms: 90,
    p99_ms: 120,
    p999_ms: 150,
    max_ms: 160,
    ci95_ms: { p50: [42, 48], p90: [76, 84], p95: [86, 95], p99: [110, null], p999: [140, null] },
    ...overrides,
  }
}

const stages: Record<string, StageStats> = {
  rag_pipeline: stats({}),
  'rag_pipeline{tenant_id=acme}': stats({ count: 200, error_count: 2, p95_ms: 70 }),
  'rag_pipeline{tenant_id=noisy}': stats({ count: 0, error_count: 0 }),
  llm_generation: stats({ count: 300, error_count: 3 }),
  vector_search: stats({ count: 1000, error_count: 0 }),
}

function evaluateOne(
  input: Record<string, Record<string, string | number>>,
  throughputRps = 30,
  options: Parameters<typeof evaluateBudgets>[2] = {},
): BudgetResult {
  const { budgets, problems } = parseBudgets(input)
  expect(problems).toEqual([])
  const results = evaluateBudgets(budgets, { stages, throughputRps, measuredS: 10 }, options)
  expect(results).toHaveLength(1)
  return results[0]!
}

describe('evaluateBudgets', () => {
  // The rule: pass when the interval's high end ≤ limit, fail when its low end > limit,
  // inconclusive otherwise (and inconclusive fails by default).
  it.each([
    {
      name: 'p50 interval wholly under',
      input: { rag_pipeline: { p50: '50ms' } },
      actual: 45,
      verdict: 'pass',
    },
    {
      name: 'p50 interval high end on the limit passes',
      input: { rag_pipeline: { p50: '48ms' } },
      actual: 45,
      verdict: 'pass',
    },
    {
      name: 'p50 limit just under the high end',
      input: { rag_pipeline: { p50: '47.99ms' } },
      actual: 45,
      verdict: 'inconclusive',
    },
    {
      name: 'p50 limit on the low end',
      input: { rag_pipeline: { p50: '42ms' } },
      actual: 45,
      verdict: 'inconclusive',
    },
    {
      name: 'p50 limit just under the low end fails',
      input: { rag_pipeline: { p50: '41.99ms' } },
      actual: 45,
      verdict: 'fail',
    },
    {
      name: 'p90 estimate over, interval straddles',
      input: { rag_pipeline: { p90: '79ms' } },
      actual: 80,
      verdict: 'inconclusive',
    },
    {
      name: 'p95 equal to the estimate',
      input: { rag_pipeline: { p95: '90ms' } },
      actual: 90,
      verdict: 'inconclusive',
    },
    {
      name: 'p99 with no upper bound cannot pass',
      input: { rag_pipeline: { p99: '1s' } },
      actual: 120,
      verdict: 'inconclusive',
    },
    { name: 'p99 wholly over', input: { rag_pipeline: { p99: '109ms' } }, actual: 120, verdict: 'fail' },
    {
      name: 'p999 with no upper bound',
      input: { rag_pipeline: { p999: '0.15s' } },
      actual: 150,
      verdict: 'inconclusive',
    },
    { name: 'max: observed, over', input: { rag_pipeline: { max: '150ms' } }, actual: 160, verdict: 'fail' },
    {
      name: 'max: observed, on the limit',
      input: { rag_pipeline: { max: '160ms' } },
      actual: 160,
      verdict: 'pass',
    },
    { name: 'mean: observed', input: { rag_pipeline: { mean: '50ms' } }, actual: 50, verdict: 'pass' },
    // Clopper–Pearson, from Python exact rationals: 3 of 300 → [0.002067, 0.028945];
    // 2 of 200 → [0.001213, 0.035655]; 0 of 1000 → [0, 0.003682] (1 − 0.025^(1/1000)).
    {
      name: 'error_rate 1% at 3 of 300',
      input: { llm_generation: { error_rate: '1%' } },
      actual: 0.01,
      verdict: 'inconclusive',
    },
    {
      name: 'error_rate 2.9% at 3 of 300',
      input: { llm_generation: { error_rate: '2.9%' } },
      actual: 0.01,
      verdict: 'pass',
    },
    {
      name: 'error_rate 2.89% at 3 of 300',
      input: { llm_generation: { error_rate: '2.89%' } },
      actual: 0.01,
      verdict: 'inconclusive',
    },
    {
      name: 'error_rate 0.2% at 3 of 300 fails',
      input: { llm_generation: { error_rate: '0.2%' } },
      actual: 0.01,
      verdict: 'fail',
    },
    {
      name: 'error_rate 0.21% at 3 of 300',
      input: { llm_generation: { error_rate: '0.21%' } },
      actual: 0.01,
      verdict: 'inconclusive',
    },
    {
      name: 'error_rate 0.4% at 0 of 1000',
      input: { vector_search: { error_rate: '0.4%' } },
      actual: 0,
      verdict: 'pass',
    },
    {
      name: 'error_rate 0.36% at 0 of 1000',
      input: { vector_search: { error_rate: '0.36%' } },
      actual: 0,
      verdict: 'inconclusive',
    },
    {
      name: 'error_rate 0 with no errors: observed',
      input: { rag_pipeline: { error_rate: 0 } },
      actual: 0,
      verdict: 'pass',
    },
    {
      name: 'error_rate 0 with errors: observed',
      input: { llm_generation: { error_rate: 0 } },
      actual: 0.01,
      verdict: 'fail',
    },
    {
      name: 'attribute-narrowed stage uses its own statistics',
      input: { 'rag_pipeline{tenant_id=acme}': { error_rate: 0.04 } },
      actual: 0.01,
      verdict: 'pass',
    },
  ])('$name → $verdict', ({ input, actual, verdict }) => {
    const result = evaluateOne(input as unknown as Parameters<typeof evaluateOne>[0])
    expect(result.actual).toBeCloseTo(actual, 12)
    expect(result.verdict).toBe(verdict)
    expect(result.pass).toBe(verdict === 'pass')
    expect(result.count).toBeGreaterThan(0)
    if (verdict === 'inconclusive')
      expect(result.note).toMatch(
        /^inconclusive: the 95% interval \[.+\] from \d+ spans straddles the limit; /,
      )
    else expect(result.note).toBeUndefined()
  })

  it('carries the interval, the sample count and the method', () => {
    expect(evaluateOne({ rag_pipeline: { p95: '1s' } })).toMatchObject({
      count: 100,
      ci: { level: 0.95, low: 86, high: 95, method: 'order statistics, exact binomial ranks' },
    })
    const rate = evaluateOne({ llm_generation: { error_rate: '5%' } })
    expect(rate.count).toBe(300)
    expect(rate.ci!.low).toBeCloseTo(0.0020670072, 8)
    expect(rate.ci!.high).toBeCloseTo(0.0289445113, 8)
    expect(rate.ci!.method).toMatch(/Clopper–Pearson/)
    expect(evaluateOne({ rag_pipeline: { max: '1s' } }).ci).toBeUndefined()
  })

  it('says how long a run would decide an inconclusive budget, at the observed rate', () => {
    // p99 120 ms from 100 spans in 10 s (10/s), no upper bound, max 160, limit 130: the upper
    // side (max as stand-in) must shrink from 40 to 10 → 16 × 100 = 1600 spans ≈ 160 s.
    const result = evaluateOne({ rag_pipeline: { p99: '130ms' } })
    expect(result.to_decide).toEqual({ count: 1600, seconds: 160 })
    expect(result.note).toContain(
      'about 1600 spans (≈ 2.7 min of measurement at the observed rate) would probably decide it',
    )
    expect(result.note).toContain('not shown to hold, so it fails')
    expect(result.note).toMatch(
      /^inconclusive: the 95% interval \[110 ms, unbounded\] from 100 spans straddles/,
    )
    expect(evaluateOne({ llm_generation: { error_rate: '1%' } }).note).toMatch(
      /^inconclusive: the 95% interval \[0\.21%, 2\.89%\] from 300 spans/,
    )
    // The estimate on the limit: no run length decides it.
    expect(evaluateOne({ rag_pipeline: { p95: '90ms' } }).to_decide).toEqual({ count: null, seconds: null })
  })

  it('makes an inconclusive budget a warning, not a failure, when asked (quick runs)', () => {
    const result = evaluateOne({ rag_pipeline: { p99: '1s' } }, 30, { inconclusive: 'warn' })
    expect(result).toMatchObject({ verdict: 'inconclusive', pass: true })
    expect(result.note).toContain('a warning in a quick run')
    // A conclusive failure still fails.
    expect(evaluateOne({ rag_pipeline: { p99: '109ms' } }, 30, { inconclusive: 'warn' })).toMatchObject({
      verdict: 'fail',
      pass: false,
    })
  })

  it('cannot show a percentile budget either way without intervals', () => {
    const { budgets } = parseBudgets({ rag_pipeline: { p50: '1s' } })
    const { ci95_ms: _dropped, ...bare } = stats({})
    const [result] = evaluateBudgets(budgets, { stages: { rag_pipeline: bare }, throughputRps: 1 })
    expect(result).toMatchObject({ verdict: 'inconclusive', pass: false, ci: { low: null, high: null } })
  })

  it('reports the canonical stage key as target and the user text as source', () => {
    const result = evaluateOne({ "rag_pipeline{ tenant_id = 'acme' }": { p95: '2s' } })
    expect(result.target).toBe('rag_pipeline{tenant_id=acme}')
    expect(result.source).toBe("rag_pipeline{ tenant_id = 'acme' }.p95: 2s")
    expect(result).toMatchObject({ metric: 'p95', limit: 2000, unit: 'ms' })
  })

  it.each([
    { name: 'a stage with no spans at all', key: 'rerank' },
    { name: 'a narrowed stage that matched nothing', key: 'rag_pipeline{tenant_id=noisy}' },
  ])('fails $name with actual null and a note', ({ key }) => {
    const result = evaluateOne({ [key]: { p95: '1s' } })
    expect(result).toMatchObject({
      actual: null,
      pass: false,
      verdict: 'fail',
      count: 0,
      note: `no spans matched ${key} after warm-up`,
    })
  })

  it('does not find a stage through Object.prototype', () => {
    expect(evaluateOne({ toString: { p95: '1s' } })).toMatchObject({ actual: null, pass: false })
  })

  it.each([
    { rps: 30, pass: true },
    { rps: 25, pass: true },
    { rps: 24.99, pass: false },
    { rps: 0, pass: false },
  ])('throughput min_rps 25 at $rps req/s → pass $pass', ({ rps, pass }) => {
    const result = evaluateOne({ throughput: { min_rps: 25 } }, rps)
    expect(result).toMatchObject({
      target: 'throughput',
      metric: 'min_rps',
      unit: 'req/s',
      actual: rps,
      pass,
    })
  })

  it('fails throughput with actual null when it could not be measured, and says why', () => {
    expect(evaluateOne({ throughput: { min_rps: 25 } }, Number.NaN)).toMatchObject({
      actual: null,
      pass: false,
      note: 'no completed requests after warm-up',
    })
    expect(evaluateOne({ throughput: { min_rps: 25 } }, 30)).not.toHaveProperty('note')
  })

  it('leaves sampling_overhead budgets to another module', () => {
    const { budgets } = parseBudgets({
      sampling_overhead: { cpu_per_request: '10%' },
      rag_pipeline: { p95: '1s' },
    })
    const results = evaluateBudgets(budgets, { stages, throughputRps: 30 })
    expect(results.map((r) => r.target)).toEqual(['rag_pipeline'])
    // Even with a stage of that name measured.
    const named = evaluateBudgets(budgets, {
      stages: { ...stages, sampling_overhead: stats({}) },
      throughputRps: 30,
    })
    expect(named.map((r) => r.target)).toEqual(['rag_pipeline'])
  })

  it('keeps the budgets in order', () => {
    const { budgets } = parseBudgets({
      rag_pipeline: { p95: '1s', p99: '2s' },
      throughput: { min_rps: 1 },
      llm_generation: { error_rate: '5%' },
    })
    const results = evaluateBudgets(budgets, { stages, throughputRps: 30 })
    expect(results.map((r) => `${r.target}.${r.metric}`)).toEqual([
      'rag_pipeline.p95',
      'rag_pipeline.p99',
      'throughput.min_rps',
      'llm_generation.error_rate',
    ])
  })
})

describe('verdictOf', () => {
  const result = (pass: boolean): BudgetResult => ({
    target: 'x',
    metric: 'p95',
    limit: 1,
    actual: 1,
    unit: 'ms',
    pass,
    source: 'x.p95: 1ms',
  })
  it.each([
    { results: [], verdict: 'pass' },
    { results: [result(true), result(true)], verdict: 'pass' },
    { results: [result(true), result(false)], verdict: 'fail' },
  ])('$verdict', ({ results, verdict }) => {
    expect(verdictOf(results)).toBe(verdict)
  })
})
