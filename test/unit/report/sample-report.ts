// A complete, valid report for the report tests. Not a test file itself.
import { REPORT_SCHEMA_VERSION, type Report, type StageStats } from '../../../src/contract/report-types.ts'
import { sampleAnalysis } from './sample-analysis.ts'

export function stageStats(p50Ms: number, overrides: Partial<StageStats> = {}): StageStats {
  return {
    count: 1000,
    error_count: 0,
    min_ms: p50Ms * 0.9,
    mean_ms: p50Ms * 1.05,
    p50_ms: p50Ms,
    p90_ms: p50Ms * 1.2,
    p95_ms: p50Ms * 1.3,
    p99_ms: p50Ms * 1.5,
    p999_ms: p50Ms * 1.8,
    max_ms: p50Ms * 2,
    ...overrides,
  }
}

export function sampleReport(overrides: Partial<Report> = {}): Report {
  return {
    schema_version: REPORT_SCHEMA_VERSION,
    scenario: {
      name: 'rate-limit',
      file: 'scenarios/rate-limit.yaml',
      seed: 7,
      description: 'Provider throttling.',
    },
    started_at: '2026-11-27T05:12:03.456Z',
    duration_s: 20,
    warmup_s: 3,
    verdict: 'fail',
    budget_verdict: 'fail',
    stage_histograms: { rag_pipeline: { lower_ms: [900, 990, 1089], counts: [400, 600, 0] } },
    stage_intervals: [
      {
        start_ms: 0,
        warmup: true,
        stages: { rag_pipeline: { count: 50, errors: 0, p50_ms: 950, p99_ms: 1400 } },
      },
      {
        start_ms: 3000,
        warmup: false,
        stages: { rag_pipeline: { count: 60, errors: 1, p50_ms: 940, p99_ms: 1350 } },
      },
    ],
    trust: {
      verdict: 'trusted',
      reasons: [],
      guards: [
        {
          name: 'endpoint event-loop delay p99',
          figure: 4.2,
          threshold: 10,
          unit: 'ms',
          comparison: '<=',
          pass: true,
          reason: 'the endpoint process kept up',
        },
      ],
      fidelity: [
        {
          dependency: 'llm',
          calls: 1100,
          model_p50_ms: 700,
          model_p99_ms: 1500,
          measured_p50_ms: 701.2,
          measured_p99_ms: 1504,
          excess_p50_ms: 1.1,
          excess_p99_ms: 3.9,
          excess_max_ms: 9.5,
          lateness_p50_ms: 0.1,
          lateness_p99_ms: 0.4,
          transport_p50_ms: 1,
          transport_p99_ms: 3.5,
        },
      ],
      client_server_gap_ms: { joined: 1000, p50_ms: 0.8, p90_ms: 1.2, p99_ms: 3, max_ms: 9 },
      schedule_lag_ms: null,
      driver: { cpu_share: 0.2, event_loop_delay_p99_ms: 2, event_loop_delay_max_ms: 8 },
      endpoint: { cpu_share: 0.4, event_loop_delay_p99_ms: 4.2, event_loop_delay_max_ms: 12 },
    },
    load: {
      model: 'closed',
      driver: 'autocannon 8.0.0 (closed model)',
      connections: 64,
      sent: 1234,
      completed: 1200,
      errors: 4,
      timeouts: 0,
      in_flight_at_end: 30,
      status_codes: { '429': 100, '200': 1100 },
      rps: 60.04,
    },
    client_latency_ms: { p50: 206.4, p90: 240, p95: 251, p99: 290.7, max: 410, count: 1200 },
    stages: {
      'rag_pipeline{tenant_id=acme}': stageStats(198, { error_count: 15 }),
      llm_generation: stageStats(812.3),
      'POST /ask': stageStats(204.1),
      rag_pipeline: stageStats(201.77),
      embedding_generation: stageStats(0.423),
      vector_search: stageStats(45, { count: 0, error_count: 0 }),
    },
    budgets: [
      {
        target: 'rag_pipeline',
        metric: 'p95',
        limit: 2500,
        actual: 262.301,
        unit: 'ms',
        pass: true,
        source: 'rag_pipeline.p95: 2500ms',
      },
      {
        target: 'rag_pipeline{tenant_id=acme}',
        metric: 'error_rate',
        limit: 0.01,
        actual: 0.015,
        unit: 'ratio',
        pass: false,
        source: 'rag_pipeline{tenant_id=acme}.error_rate: 0.01',
      },
      {
        target: 'vector_search',
        metric: 'p99',
        limit: 100,
        actual: null,
        unit: 'ms',
        pass: false,
        source: 'vector_search.p99: 100ms',
        note: 'no spans matched vector_search after warm-up',
      },
      {
        target: 'throughput',
        metric: 'min_rps',
        limit: 25,
        actual: 60.04,
        unit: 'req/s',
        pass: true,
        source: 'throughput.min_rps: 25',
      },
    ],
    accounting: {
      ok: true,
      sent: 1234,
      completed: 1200,
      errors: 4,
      timeouts: 0,
      in_flight_at_end: 30,
      server_requests: 1204,
      pipeline_roots: 1100,
      spans_started: 12_000,
      spans_ended: 12_000,
      notes: [],
    },
    status: 'complete',
    overrides: {},
    analysis: sampleAnalysis(),
    exemplars: [],
    endpoint_process: {
      cpu_user_ms: 2000,
      cpu_system_ms: 400,
      cpu_ms_per_request: 2,
      event_loop_delay_ms: { p50: 1, p99: 5, max: 12 },
      rss_peak_mb: 120,
      wall_ms: 10_000,
    },
    intervals: [],
    arrangement: 'endpoint in a child process',
    sampler: 'always_on',
    environment: {
      node: 'v20.20.2',
      platform: 'linux',
      cpus: 2,
      cpu_model: 'Test CPU',
      harness_version: '0.1.0',
      git_sha: null,
    },
    ...overrides,
  }
}

// A p99 budget decided on 120 spans: its interval [780 ms, unbounded] straddles the 900 ms limit.
// policy 'fail' (a full run): it fails the run; 'warn' (a quick run): it is a warning only.
export function inconclusiveReport(policy: 'fail' | 'warn'): Report {
  const base = sampleReport()
  const inconclusive = {
    target: 'llm_generation',
    metric: 'p99',
    limit: 900,
    actual: 850,
    unit: 'ms' as const,
    pass: policy === 'warn',
    verdict: 'inconclusive' as const,
    count: 120,
    ci: { level: 0.95, low: 780, high: null, method: 'order statistics, exact binomial ranks' },
    to_decide: { count: 368, seconds: 92 },
    source: 'llm_generation.p99: 900ms',
    note: `inconclusive: the 95% interval from 120 spans straddles the limit; about 368 spans would probably decide it; ${policy === 'warn' ? 'a warning in a quick run' : 'not shown to hold, so it fails'}`,
  }
  const passing = base.budgets.filter((b) => b.pass)
  return sampleReport({
    budgets: [...passing, inconclusive],
    verdict: policy === 'warn' ? 'pass' : 'fail',
    budget_verdict: policy === 'warn' ? 'pass' : 'fail',
    inconclusive_budgets: policy,
  })
}
