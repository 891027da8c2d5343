// What-if end to end: the prediction from the baseline's traces against a real re-run.
import { describe, expect, it } from 'vitest'
import { runScenario } from '../../src/run/run-scenario.ts'

const fixed = (ms: number) => ({ latency: { fixed: `${ms}ms` } })

describe('what-if, verified by a re-run', () => {
  it('predicts the p50 of a strictly sequential, uncontended stage within 2 ms of the re-run', async () => {
    // Fixed latencies, every question new (the embedding is always called), 20 req/s: about two
    // requests in flight, far below any queue. rerank is one reranker call; halving the reranker's
    // latency should take 20 ms off rerank and off rag_pipeline, nothing else moving.
    const report = await runScenario(
      {
        name: 'what-if-sequential',
        seed: 5,
        requests: [
          { tenant: 'acme', api_key: 'key-acme', questions: { pool: 100000, distribution: 'unique' } },
        ],
        load: { arrival: { rate: 20 }, duration: '6s', warmup: '3s' },
        dependencies: {
          auth: fixed(5),
          embedding: fixed(20),
          vector_store: fixed(10),
          reranker: fixed(40),
          llm: fixed(30),
        },
        budgets: { rerank: { p95: '1s' }, rag_pipeline: { p95: '2s' } },
      },
      { whatIf: [{ dependency: 'reranker', factor: 0.5 }] },
    )
    const rows = report.what_if!
    expect(rows.map((r) => `${r.stage} ${r.metric}`).sort()).toEqual(
      [
        'rag_pipeline p50',
        'rag_pipeline p95',
        'rag_pipeline p99',
        'rerank p50',
        'rerank p95',
        'rerank p99',
      ].sort(),
    )
    for (const stage of ['rerank', 'rag_pipeline']) {
      const p50 = rows.find((r) => r.stage === stage && r.metric === 'p50')!
      // The prediction is the change of a 40 ms fixed latency halved: −20 ms, give or take the
      // transport share of the call (not scaled).
      expect(p50.predicted_ms - p50.baseline_ms).toBeGreaterThan(-20.5)
      expect(p50.predicted_ms - p50.baseline_ms).toBeLessThan(-18)
      expect(p50.measured_ms).not.toBeNull()
      expect(Math.abs(p50.predicted_ms - p50.measured_ms!)).toBeLessThanOrEqual(2)
      expect(p50.spans).toBeGreaterThan(100)
    }
  }, 90_000)
})
