import { describe, expect, it } from 'vitest'
import { dependencies } from '../../../src/scenario/schema.ts'
import { EMPTY_STAGE_STATS } from '../../../src/stats/stage-stats.ts'
import type { DependencyFidelity } from '../../../src/telemetry/stage-collector.ts'
import { fidelityTable } from '../../../src/trust/mock-fidelity.ts'

// Each model's p50 and p99 worked out by hand (closed forms), not by the project's own code.
// z(0.99) = 2.3263478740 (Abramowitz & Stegun 1964, table 26.1).
const Z99 = 2.326347874
const DEPENDENCIES = dependencies.parse({
  auth: { latency: { fixed: '20ms' } }, // 20 / 20
  reranker: { latency: { uniform: { min: '300ms', max: '600ms' } } }, // 300 + 0.5·300 / 300 + 0.99·300
  embedding: { latency: { lognormal: { p50: '180ms', p99: '400ms' } } }, // given as its own p50 / p99
  vector_store: { latency: { normal: { mean: '45ms', stddev: '10ms' } } }, // 45 / 45 + 10·z(0.99); truncation at 0 moves them by < 1e-4 ms
  // ttft 100 ms + 10 ms × n, n uniform on {1, 2, 3}: 110, 120, 130 ms with 1/3 each, so the
  // p50 is 120 (the CDF reaches 2/3 there) and the p99 is 130.
  llm: {
    latency: { tokens: { ttft: { fixed: '100ms' }, per_token: '10ms', output_tokens: { min: 1, max: 3 } } },
  },
})

function measured(
  calls: number,
  p50: number,
  p99: number,
  excess: [number, number, number],
  split?: { lateness: [number, number, number]; transport: [number, number, number] },
): DependencyFidelity {
  const summary = ([p50, p99, max]: [number, number, number]) => ({ p50, p99, max })
  return {
    calls,
    measured: { ...EMPTY_STAGE_STATS, count: calls, p50_ms: p50, p99_ms: p99 },
    excess_ms: summary(excess),
    lateness_ms: split ? summary(split.lateness) : null,
    transport_ms: split ? summary(split.transport) : null,
  }
}

describe('fidelityTable', () => {
  const rows = fidelityTable(DEPENDENCIES, {
    auth: measured(10, 21, 23, [1, 3, 4], { lateness: [0.1, 0.4, 0.5], transport: [0.8, 2.5, 3.6] }),
    reranker: measured(7, 452, 601, [2, 4, 9]),
    embedding: measured(5, 183, 410, [3, 10, 12]),
    vector_store: measured(4, 46, 70, [1.5, 2.5, 3]),
    llm: measured(3, 121, 131, [1, 1, 1]),
  })
  const row = (name: string) => rows.find((r) => r.dependency === name)!

  it('sets each model quantile from its closed form beside the measured figures', () => {
    expect(row('auth')).toEqual({
      dependency: 'auth',
      calls: 10,
      model_p50_ms: 20,
      model_p99_ms: 20,
      measured_p50_ms: 21,
      measured_p99_ms: 23,
      excess_p50_ms: 1,
      excess_p99_ms: 3,
      excess_max_ms: 4,
      lateness_p50_ms: 0.1,
      lateness_p99_ms: 0.4,
      transport_p50_ms: 0.8,
      transport_p99_ms: 2.5,
    })
    expect(row('reranker').model_p50_ms).toBeCloseTo(450, 9)
    expect(row('reranker').model_p99_ms).toBeCloseTo(597, 9)
    expect(row('embedding').model_p50_ms).toBeCloseTo(180, 6)
    expect(row('embedding').model_p99_ms).toBeCloseTo(400, 6)
    expect(row('vector_store').model_p50_ms).toBeCloseTo(45, 3)
    expect(row('vector_store').model_p99_ms).toBeCloseTo(45 + 10 * Z99, 3)
    expect(row('llm').model_p50_ms).toBeCloseTo(120, 6)
    expect(row('llm').model_p99_ms).toBeCloseTo(130, 6)
    // No held time from the mock (in-process, or a mock that does not say): no split.
    expect(row('embedding')).toMatchObject({
      lateness_p50_ms: null,
      transport_p99_ms: null,
      excess_p50_ms: 3,
      excess_p99_ms: 10,
      excess_max_ms: 12,
      calls: 5,
    })
  })

  it('keeps the order it was given and leaves out dependencies with no calls or unknown names', () => {
    const table = fidelityTable(DEPENDENCIES, {
      llm: measured(3, 121, 131, [1, 1, 1]),
      auth: measured(0, 0, 0, [0, 0, 0]),
      search_engine: measured(9, 1, 1, [0, 0, 0]),
      reranker: measured(1, 450, 450, [0, 0, 0]),
    })
    expect(table.map((r) => r.dependency)).toEqual(['llm', 'reranker'])
    expect(fidelityTable(DEPENDENCIES, {})).toEqual([])
  })
})
