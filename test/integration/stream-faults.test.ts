// Each connection-level fault, end to end (real endpoint and mock processes, the open-model
// driver): the documented error type in the run's root-cause table, an SSE error event or an
// error status at the client, and every request accounted for.
import { describe, expect, it } from 'vitest'
import { reportSchema } from '../../src/contract/report-schema.ts'
import { runScenario } from '../../src/run/run-scenario.ts'

const FAST = { latency: { fixed: '2ms' } }

describe('connection faults in a run', () => {
  it('reset, stall and truncate: named root causes, error events, full accounting', async () => {
    const report = await runScenario({
      name: 'stream-faults',
      load: { arrival: { rate: 20 }, duration: '3s', warmup: '0s', request_timeout: '5s' },
      requests: [
        { tenant: 'acme', api_key: 'key-acme', stream: true, questions: { pool: 1, distribution: 'unique' } },
      ],
      dependencies: {
        auth: FAST,
        embedding: {
          ...FAST,
          failures: [
            { reset: true, probability: 0.05 },
            { truncate: true, probability: 0.05 },
          ],
        },
        vector_store: FAST,
        reranker: FAST,
        llm: {
          latency: {
            tokens: { ttft: { fixed: '20ms' }, per_token: '2ms', output_tokens: { min: 10, max: 10 } },
          },
          failures: [
            { reset: true, probability: 0.15 },
            { stall: { after_tokens: 2, for: '600ms' }, probability: 0.15 },
            { truncate: true, probability: 0.15 },
          ],
        },
      },
      pipeline: { stream_idle_timeout: '200ms' },
    })
    expect(reportSchema.safeParse(report).success).toBe(true)
    const { accounting, load } = report
    expect(accounting.ok).toBe(true)
    expect(load.sent).toBe(load.completed + load.errors + load.timeouts + load.in_flight_at_end)
    expect(load.errors + load.timeouts).toBe(0)

    const causes = report.analysis.root_causes.map((c): [string, number] => [c.path, c.count])
    const count = (pattern: RegExp) =>
      causes.filter(([path]) => pattern.test(path)).reduce((n, [, c]) => n + c, 0)
    const llm = /llm_generation › POST \/v1\/chat\/completions › 200 /
    const resets = count(new RegExp(`${llm.source}ConnectionResetError$`))
    const stalls = count(new RegExp(`${llm.source}StreamStalledError$`))
    const truncations = count(new RegExp(`${llm.source}TruncatedResponseError$`))
    const embedding = count(
      /embedding_generation › POST \/v1\/embeddings › 200 (ConnectionResetError|TruncatedResponseError)$/,
    )
    for (const [what, n] of Object.entries({ resets, stalls, truncations, embedding }))
      expect(n, what).toBeGreaterThan(0)
    // Nothing failed for another reason.
    expect(resets + stalls + truncations + embedding).toBe(causes.reduce((n, [, c]) => n + c, 0))

    // At the client: an LLM fault after the first token is an SSE error event (status 200), an
    // embedding fault a 502 before the stream starts; every other stream completed.
    const streams = report.stream_requests!
    expect(streams.count).toBe(load.completed)
    expect(streams.failures.error_event).toBe(resets + stalls + truncations)
    expect(streams.failures.status_502).toBe(embedding)
    expect(streams.ok).toBe(streams.count - resets - stalls - truncations - embedding)
    expect(report.client_ttft_ms!.count).toBe(streams.ok)
  })
})
