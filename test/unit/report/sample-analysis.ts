// A valid, realistic `analysis` for the sample report (not a test file itself): a rate-limited
// run where llm_generation dominates the pipeline.
import type { AnalysisResults, StageBreakdown } from '../../../src/contract/analysis-schema.ts'

function stage(
  name: string,
  meanMs: number,
  shareP50: number,
  shareP99: number,
  parentP50Ms: number,
  parentP99Ms: number,
  extra: Partial<StageBreakdown> = {},
): StageBreakdown {
  return {
    stage: name,
    present_share: 1,
    mean_duration_ms: meanMs,
    mean_critical_path_ms: meanMs,
    share_p50: shareP50,
    share_p99: shareP99,
    dominates_slowest: 0,
    savings: [0.1, 0.25, 0.5].map((x) => ({
      faster_by: x,
      p50_ms: parentP50Ms * (1 - x * shareP50),
      p99_ms: parentP99Ms * (1 - x * shareP99),
    })),
    ...extra,
  }
}

export function sampleAnalysis(): AnalysisResults {
  return {
    traces: 1204,
    breakdown: {
      traces_seen: 1204,
      reservoir_size: 1204,
      reservoir_capacity: 10_000,
      request: {
        parent: 'POST /ask',
        traces: 1204,
        p50_ms: 204.1,
        p99_ms: 1210,
        window_p50_traces: 122,
        window_p99_traces: 14,
        slowest_traces: 13,
        stages: [
          stage('authentication', 5.2, 0.025, 0.005, 204.1, 1210),
          stage('rate_limiting', 0.04, 0.0002, 0, 204.1, 1210),
          stage('rag_pipeline', 196.5, 0.97, 0.99, 204.1, 1210, {
            present_share: 0.92,
            dominates_slowest: 13,
          }),
          stage('(self)', 1.1, 0.0048, 0.005, 204.1, 1210),
        ],
      },
      pipeline: {
        parent: 'rag_pipeline',
        traces: 1108,
        p50_ms: 201.77,
        p99_ms: 1190,
        window_p50_traces: 112,
        window_p99_traces: 13,
        slowest_traces: 12,
        stages: [
          stage('embedding_generation', 20.3, 0.1, 0.02, 201.77, 1190, { present_share: 1 }),
          stage('vector_search', 45.1, 0.22, 0.04, 201.77, 1190),
          stage('rerank', 30.2, 0.15, 0.03, 201.77, 1190, { present_share: 0.95 }),
          stage('llm_generation', 104.9, 0.52, 0.9, 201.77, 1190, { dominates_slowest: 12 }),
          stage('(self)', 2.1, 0.01, 0.01, 201.77, 1190),
        ],
      },
      method: ['Critical path: …', 'Potential savings: assumes the other stages do not change.'],
    },
    dependencies: [
      {
        dependency: 'auth',
        traces_calling: 1204,
        request_share: 1,
        calls: 1204,
        calls_per_request: 1,
        retries: 0,
        retry_share: 0,
        error_spans: 0,
        error_rate: 0,
        failed_request_rate: 0.083,
        latency_ms: { p50: 5.1, p99: 9.8, max: 14.2, mean: 5.4 },
        impact: 'If auth is down → all requests fail (the share that called it)',
      },
      {
        dependency: 'llm',
        traces_calling: 1108,
        request_share: 0.92,
        calls: 1296,
        calls_per_request: 1.17,
        retries: 188,
        retry_share: 0.145,
        error_spans: 290,
        error_rate: 0.224,
        failed_request_rate: 0.09,
        latency_ms: { p50: 98.2, p99: 410, max: 990, mean: 104.9 },
        impact: 'If llm is down → 92.0% of requests fail (the share that called it)',
      },
    ],
    root_causes: [
      {
        path: 'POST /ask › rag_pipeline › llm_generation › POST /v1/chat/completions › 429 RateLimitError',
        count: 100,
        request_share: 0.083,
        exemplar_trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      },
    ],
    root_causes_other: 0,
    hygiene: {
      spans_checked: 15_600,
      findings: [
        {
          check: 'sub_millisecond',
          span_name: 'rate_limiting',
          message: '100.0% of 1204 "rate_limiting" spans last under 1 ms: …',
          example: 'mean 0.040 ms, e.g. trace 4bf92f3577b34da6a3ce929d0e0e4736',
        },
        {
          check: 'high_cardinality',
          span_name: 'rag_pipeline',
          message: 'Attribute "question" on "rag_pipeline" has 1000+ distinct values in 1108 spans: …',
          example: 'question=<img src=x onerror=alert(1)>',
        },
      ],
      attribute_cardinality: [
        {
          span_name: 'rag_pipeline',
          key: 'question',
          distinct: 1000,
          capped: true,
          spans: 1108,
          value_type: 'string',
          examples: ['What is RAG?', '<img src=x onerror=alert(1)>'],
        },
        {
          span_name: 'rag_pipeline',
          key: 'tenant_id',
          distinct: 2,
          capped: false,
          spans: 1108,
          value_type: 'string',
          examples: ['acme', 'globex'],
        },
      ],
    },
  }
}
