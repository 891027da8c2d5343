import { describe, expect, it } from 'vitest'
import { evaluateBudgets, verdictOf } from '../../../src/budget/evaluate-budgets.ts'
import { parseBudgets } from '../../../src/budget/parse-budget.ts'
import type { BudgetResult, StageStats } from '../../../src/report/report-types.ts'

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
    ...overrides,
  }
}

const stages: Record<string, StageStats> = {
  rag_pipeline: stats({}),
  'rag_pipeline{tenant_id=acme}': stats({ count: 200, error_count: 2, p95_ms: 70 }),
  'rag_pipeline{tenant_id=noisy}': stats({ count: 0, error_count: 0 }),
  llm_generation: stats({ count: 300, error_count: 3 }),
}

function evaluateOne(
  input: Record<string, Record<string, string | number>>,
  throughputRps = 30,
): BudgetResult {
  const { budgets, problems } = parseBudgets(input)
  expect(problems).toEqual([])
  const results = evaluateBudgets(budgets, { stages, throughputRps })
  expect(results).toHaveLength(1)
  return results[0]!
}

describe('evaluateBudgets', () => {
  it.each([
    { name: 'p50 under the limit', input: { rag_pipeline: { p50: '50ms' } }, actual: 45, pass: true },
    { name: 'p90 over the limit', input: { rag_pipeline: { p90: '79ms' } }, actual: 80, pass: false },
    {
      name: 'p95 equal to the limit passes',
      input: { rag_pipeline: { p95: '90ms' } },
      actual: 90,
      pass: true,
    },
    { name: 'p99 just over', input: { rag_pipeline: { p99: '119.9ms' } }, actual: 120, pass: false },
    { name: 'p999', input: { rag_pipeline: { p999: '0.15s' } }, actual: 150, pass: true },
    { name: 'max', input: { rag_pipeline: { max: '150ms' } }, actual: 160, pass: false },
    { name: 'mean', input: { rag_pipeline: { mean: '50ms' } }, actual: 50, pass: true },
    {
      name: 'error_rate equal to 1% passes',
      input: { llm_generation: { error_rate: '1%' } },
      actual: 0.01,
      pass: true,
    },
    {
      name: 'error_rate over 0.5%',
      input: { llm_generation: { error_rate: '0.5%' } },
      actual: 0.01,
      pass: false,
    },
    {
      name: 'error_rate 0 with no errors',
      input: { rag_pipeline: { error_rate: 0 } },
      actual: 0,
      pass: true,
    },
    {
      name: 'attribute-narrowed stage uses its own statistics',
      input: { 'rag_pipeline{tenant_id=acme}': { p95: '75ms' } },
      actual: 70,
      pass: true,
    },
    {
      name: 'attribute-narrowed error rate',
      input: { 'rag_pipeline{tenant_id="acme"}': { error_rate: 0.01 } },
      actual: 0.01,
      pass: true,
    },
  ])('$name', ({ input, actual, pass }) => {
    const result = evaluateOne(input as unknown as Parameters<typeof evaluateOne>[0])
    expect(result.actual).toBeCloseTo(actual, 12)
    expect(result.pass).toBe(pass)
    expect(result.note).toBeUndefined()
  })

  it('reports the canonical stage key as target and the user text as source', () => {
    const result = evaluateOne({ "rag_pipeline{ tenant_id = 'acme' }": { p95: '2s' } })
    expect(result.target).toBe('rag_pipeline{tenant_id=acme}')
    expect(result.source).toBe("rag_pipeline{ tenant_id = 'acme' }.p95: 2s")
    expect(result).toMatchObject({ metric: 'p95', limit: 2000, unit: 'ms' })
  })

  it.each([
    { name: 'a stage with no spans at all', key: 'vector_search' },
    { name: 'a narrowed stage that matched nothing', key: 'rag_pipeline{tenant_id=noisy}' },
  ])('fails $name with actual null and a note', ({ key }) => {
    const result = evaluateOne({ [key]: { p95: '1s' } })
    expect(result).toMatchObject({ actual: null, pass: false, note: `no spans matched ${key} after warm-up` })
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
