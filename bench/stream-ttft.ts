// Streamed-answer timing against fixed models (issue 13's figure): a fixed 200 ms provider TTFT,
// 10 ms per token, 50 tokens, at low load (4 req/s, open model), through the real endpoint and
// HTTP mock servers in one process, as test/integration/stream-timing.test.ts sets it up. The
// excess is client TTFT p50 − (the pipeline's time before the LLM, p50, + 200 ms): what the
// transport, the relay through the endpoint and the driver add before the first token.
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { quantileSorted } from 'simple-statistics'
import { runOpenLoad } from '../src/load/open-driver.ts'
import { createRequestMix } from '../src/load/request-mix.ts'
import { streamSeries } from '../src/load/stream-timing.ts'
import { createEndpointApp } from '../src/run/endpoint-app.ts'
import { scenarioFromObject } from '../src/scenario/load-scenario.ts'
import { hrtimeToMs } from '../src/units.ts'

const median = (values: number[]) =>
  quantileSorted(
    [...values].sort((a, b) => a - b),
    0.5,
  )

export type StreamTtft = {
  ttft_p50_ms: number
  expected_ms: number
  excess_p50_ms: number
  itl_p50_ms: number
}

export async function measureStreamTtft(durationMs = 8000): Promise<StreamTtft> {
  const scenario = scenarioFromObject({
    name: 'bench-stream-ttft',
    requests: [{ tenant: 'acme', api_key: 'key-acme', question: 'how fast?', stream: true }],
    dependencies: {
      auth: { latency: { fixed: '2ms' } },
      embedding: { latency: { fixed: '5ms' } },
      vector_store: { latency: { fixed: '3ms' } },
      reranker: { latency: { fixed: '4ms' } },
      llm: {
        latency: {
          tokens: { ttft: { fixed: '200ms' }, per_token: '10ms', output_tokens: { min: 50, max: 50 } },
        },
      },
    },
  })
  const exporter = new InMemorySpanExporter()
  const app = await createEndpointApp(scenario, { extraProcessors: [new SimpleSpanProcessor(exporter)] })
  try {
    const address = await app.endpoint.listen(0, '127.0.0.1')
    const result = await runOpenLoad({
      url: `http://127.0.0.1:${address.port}/ask`,
      arrival: { ratePerSec: 4, distribution: 'uniform', maxInFlight: 10 },
      durationMs,
      warmupMs: 1000,
      requestTimeoutMs: 5000,
      mix: createRequestMix(scenario.requests, 1),
      seed: 1,
    })
    const series = streamSeries(result.streams ?? [])
    const spans = exporter.getFinishedSpans()
    const servers = new Map(
      spans.filter((s) => s.name === 'POST /ask').map((s) => [s.spanContext().traceId, s]),
    )
    const preLlm = spans
      .filter((s) => s.name === 'llm_generation')
      .flatMap((llm) => {
        const server = servers.get(llm.spanContext().traceId)
        return server ? [hrtimeToMs(llm.startTime) - hrtimeToMs(server.startTime)] : []
      })
    const ttft = median(series.ttftMs)
    const expected = median(preLlm) + 200
    return {
      ttft_p50_ms: ttft,
      expected_ms: expected,
      excess_p50_ms: ttft - expected,
      itl_p50_ms: median(series.itlMs),
    }
  } finally {
    await app.close()
  }
}
