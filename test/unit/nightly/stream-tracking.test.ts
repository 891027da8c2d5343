// TTFT and ITL p95 of streamed answers are tracked night over night like stage percentiles.
import { describe, expect, it } from 'vitest'
import { detectRegressions } from '../../../src/nightly/regression.ts'
import {
  CLIENT_ITL_STAGE,
  CLIENT_TTFT_STAGE,
  metricKey,
  snapshotOf,
} from '../../../src/nightly/run-snapshot.ts'
import { storedReportSchema } from '../../../src/nightly/stored-report.ts'

const DAY = 86_400_000

function storedReport(night: number, ttftP95: number, itlP95: number) {
  return storedReportSchema.parse({
    schema_version: 1,
    scenario: { name: 'streaming-chat', seed: 1 },
    started_at: new Date(Date.UTC(2026, 0, 1) + night * DAY).toISOString(),
    verdict: 'pass',
    load: { model: 'open', rps: 30 },
    stages: {},
    budgets: [],
    environment: { node: 'v20.20.2', cpus: 2, cpu_model: 'test' },
    client_ttft_ms: { p50: 500, p90: 800, p95: ttftP95, p99: 1400, max: 1800, count: 800 },
    client_itl_ms: { p50: 20, p90: 40, p95: itlP95, p99: 60, max: 300, count: 60_000 },
  })
}

describe('streamed-answer figures in the nightly history', () => {
  it('puts client TTFT and ITL p95 in the snapshot, budgeted or not', () => {
    const metrics = snapshotOf(storedReport(0, 1000, 45)).metrics
    expect(metrics[metricKey(CLIENT_TTFT_STAGE, 'p95')]).toMatchObject({
      value: 1000,
      unit: 'ms',
      better: 'lower',
      count: 800,
    })
    expect(metrics[metricKey(CLIENT_ITL_STAGE, 'p95')]).toMatchObject({ value: 45, count: 60_000 })
  })

  it('flags a TTFT p95 that jumps 40% after quiet nights, and leaves ITL alone', () => {
    const history = Array.from({ length: 10 }, (_, i) =>
      snapshotOf(storedReport(i, 1000 + ((i % 3) - 1) * 10, 45 + ((i % 3) - 1) * 0.5)),
    )
    const detection = detectRegressions(snapshotOf(storedReport(10, 1400, 45)), history)
    const byKey = Object.fromEntries(detection.findings.map((f) => [f.key, f.status]))
    expect(byKey[metricKey(CLIENT_TTFT_STAGE, 'p95')]).toBe('regression')
    expect(byKey[metricKey(CLIENT_ITL_STAGE, 'p95')]).toBe('unchanged')
  })
})

describe('trend charts of a streaming scenario', () => {
  it('draws ttft from the client summaries with its budget line, and no chart for goodput', async () => {
    const { trendCharts } = await import('../../../src/nightly/trends.ts')
    const budget = (target: string, metric: string, limit: number, unit = 'ms') => ({
      target,
      metric,
      limit,
      actual: 1,
      unit,
      pass: true,
      source: `${target}.${metric}: ${limit}`,
    })
    const withBudgets = (night: number, ttft: number) => ({
      ...storedReport(night, ttft, 45),
      budgets: [
        budget('ttft', 'p95', 1300),
        budget('goodput', 'min', 0.9, 'ratio'),
        budget('ttft{tenant_id=globex}', 'p95', 1500),
      ],
    })
    const charts = trendCharts(withBudgets(2, 1100), [withBudgets(0, 1000), withBudgets(1, 1050)], 30)
    expect(charts.map((c) => c.stage)).toEqual(['ttft'])
    expect(charts[0]!.limits).toEqual([{ metric: 'p95', limit: 1300, source: 'ttft.p95: 1300' }])
    expect(charts[0]!.series[0]!.points.map((p) => p.value)).toEqual([1000, 1050, 1100])
  })
})
