import { describe, expect, it } from 'vitest'
import { parseOverrideFlags } from '../../../src/run/overrides.ts'
import { parseScenarioText } from '../../../src/scenario/load-scenario.ts'
import type { LatencyModel } from '../../../src/scenario/schema.ts'
import { whatIfRows } from '../../../src/what-if/run-what-if.ts'
import { scaleModel, whatIfScenario } from '../../../src/what-if/what-if-scenario.ts'

const TEXT = `name: x
requests: [{ tenant: a, api_key: k, question: q }]
dependencies:
  reranker: { latency: { uniform: { min: 80ms, max: 160ms } } }
  llm: { latency: { tokens: { ttft: { lognormal: { p50: 250ms, p99: 700ms } }, per_token: 4ms, output_tokens: { min: 60, max: 180 } } } }
budgets: { rerank: { p95: 1s }, capacity: { min_rps: 5 } }
`

describe('what-if changes', () => {
  it('parses <dependency>=<factor>x from the flag and the file', () => {
    expect(parseOverrideFlags({ whatIf: ['reranker=0.5x', 'llm=2'] }).whatIf).toEqual([
      { dependency: 'reranker', factor: 0.5, label: 'reranker=0.5x' },
      { dependency: 'llm', factor: 2, label: 'llm=2x' },
    ])
    expect(parseScenarioText(`${TEXT}what_if: [vector_store=0.25x]\n`, 'x.yaml').whatIf).toEqual([
      { dependency: 'vector_store', factor: 0.25, label: 'vector_store=0.25x' },
    ])
  })

  it('refuses an unknown dependency and a factor ≤ 0, naming --what-if, every problem at once', () => {
    expect(() => parseOverrideFlags({ whatIf: ['rerankr=0.5x', 'llm=0x', 'llm=-1x', 'llm=abc'] })).toThrow(
      /4 problems[\s\S]*--what-if: unknown dependency "rerankr"[\s\S]*--what-if: expected a factor above 0[\s\S]*--what-if: expected a factor above 0[\s\S]*--what-if: expected a factor above 0/,
    )
    expect(() => parseScenarioText(`${TEXT}what_if: [gpu=0.5x]\n`, 'x.yaml')).toThrow(
      /what_if\.0: unknown dependency "gpu"/,
    )
  })

  it('scales every parameter of a latency model, tokens included', () => {
    const models: LatencyModel[] = [
      { kind: 'fixed', ms: 40 },
      { kind: 'uniform', minMs: 80, maxMs: 160 },
      { kind: 'normal', meanMs: 30, stddevMs: 8 },
      { kind: 'lognormal', p50Ms: 60, p99Ms: 200 },
    ]
    expect(models.map((m) => scaleModel(m, 0.5))).toEqual([
      { kind: 'fixed', ms: 20 },
      { kind: 'uniform', minMs: 40, maxMs: 80 },
      { kind: 'normal', meanMs: 15, stddevMs: 4 },
      { kind: 'lognormal', p50Ms: 30, p99Ms: 100 },
    ])
    const scenario = parseScenarioText(TEXT, 'x.yaml')
    const rerun = whatIfScenario(scenario, { dependency: 'llm', factor: 2, label: 'llm=2x' })
    expect(rerun.dependencies.llm.latency).toEqual({
      kind: 'tokens',
      ttft: { kind: 'lognormal', p50Ms: 500, p99Ms: 1400 },
      perTokenMs: 8,
      outputTokens: { min: 60, max: 180 },
    })
    // The input is not mutated; the re-run has no further what-if and no capacity budget.
    expect(scenario.dependencies.llm.latency).toMatchObject({ perTokenMs: 4 })
    expect(rerun.whatIf).toEqual([])
    expect(rerun.budgets.map((b) => b.target)).toEqual(['rerank'])
  })

  it('anchors the prediction on the baseline percentile and judges it against the measured change', () => {
    const stats = (p50: number, ci: [number, number]) => ({
      count: 500,
      error_count: 0,
      min_ms: 1,
      mean_ms: p50,
      p50_ms: p50,
      p90_ms: p50,
      p95_ms: p50,
      p99_ms: p50,
      p999_ms: p50,
      max_ms: p50,
      ci95_ms: { p50: ci, p90: ci, p95: ci, p99: ci, p999: ci },
    })
    const change = { dependency: 'reranker' as const, factor: 0.5, label: 'reranker=0.5x' }
    const rows = whatIfRows(
      change,
      [
        {
          change: 'reranker=0.5x',
          stage: 'rerank',
          spans: 400,
          reservoir_ms: { p50: 41, p95: 41, p99: 41 },
          predicted_ms: { p50: 21, p95: 21, p99: 21 },
        },
      ],
      { stages: { rerank: stats(41.5, [41, 42]) } },
      { stages: { rerank: stats(21.2, [21, 21.5]) }, trust: { verdict: 'trusted' } },
    )
    expect(rows).toHaveLength(3)
    expect(rows[0]).toMatchObject({
      stage: 'rerank',
      metric: 'p50',
      baseline_ms: 41.5,
      predicted_ms: 21.5,
      measured_ms: 21.2,
      measured_change_ci_ms: [-21, -19.5],
      agrees: true,
      rerun_trusted: true,
    })
  })
})
