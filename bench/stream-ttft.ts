// Streamed-answer timing against fixed models (issue 13's figure): a fixed 200 ms provider TTFT,
// 10 ms per token, 50 tokens, at low load (4 req/s, open model), through the real endpoint and
// HTTP mock servers in one process, with the stream-timing test's models (test/fixtures). The
// excess is client TTFT p50 − (the pipeline's time before the LLM, p50, + 200 ms): what the
// transport, the relay through the endpoint and the driver add before the first token. An
// independent reader (a plain node:http client, test/fixtures) runs beside the driver; the
// difference of the two TTFT medians says whether the driver's clock agrees with one that shares
// none of its code.
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { quantileSorted } from 'simple-statistics'
import { runOpenLoad } from '../src/load/open-driver.ts'
import { createRequestMix } from '../src/load/request-mix.ts'
import { streamSeries } from '../src/load/stream-timing.ts'
import { createEndpointApp } from '../src/run/endpoint-app.ts'
import {
  FIXED_TTFT_MS,
  preLlmOffsetsMs,
  readAlongside,
  streamTimingScenario,
} from '../test/fixtures/stream-timing.ts'

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
  reader_ttft_p50_ms: number
  reader_count: number
  reader_minus_driver_p50_ms: number
}

export async function measureStreamTtft(durationMs = 8000): Promise<StreamTtft> {
  const scenario = streamTimingScenario
  const exporter = new InMemorySpanExporter()
  const app = await createEndpointApp(scenario, { extraProcessors: [new SimpleSpanProcessor(exporter)] })
  try {
    const address = await app.endpoint.listen(0, '127.0.0.1')
    const url = `http://127.0.0.1:${address.port}/ask`
    const running = runOpenLoad({
      url,
      arrival: { ratePerSec: 4, distribution: 'uniform', maxInFlight: 10 },
      durationMs,
      warmupMs: 1000,
      requestTimeoutMs: 5000,
      mix: createRequestMix(scenario.requests, 1),
      seed: 1,
    })
    const reader = await readAlongside(url, running, 100)
    const result = await running
    const series = streamSeries(result.streams ?? [])
    const preLlm = preLlmOffsetsMs(exporter.getFinishedSpans())
    const ttft = median(series.ttftMs)
    const expected = median(preLlm) + FIXED_TTFT_MS
    return {
      ttft_p50_ms: ttft,
      expected_ms: expected,
      excess_p50_ms: ttft - expected,
      itl_p50_ms: median(series.itlMs),
      reader_ttft_p50_ms: median(reader),
      reader_count: reader.length,
      reader_minus_driver_p50_ms: median(reader) - ttft,
    }
  } finally {
    await app.close()
  }
}
