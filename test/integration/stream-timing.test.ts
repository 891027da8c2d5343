// The drivers' streamed-answer timing against known models: a fixed 200 ms TTFT and a fixed
// 10 ms per token, 50 tokens, at low load, through the real endpoint and HTTP mock servers.
// TTFT must be the pipeline's time before the LLM plus 200 ms, ITL and TPOT 10 ms, and a plain
// node:http reader (test/fixtures/stream-timing.ts), sharing no code with the drivers and running
// beside the driver, must see the same TTFT. Both TTFT bounds are 8 ms: below one token gap
// (10 ms), so a token miscounted or a clock started at the wrong event fails, while scheduling
// noise on a shared 2-core machine does not (a CI run once measured a reader that ran after the
// driver 3.5 ms from it). How close they really are (the issue's ≤ +3 ms and ≤ 2 ms) are
// performance figures that `npm run bench` measures (bench/stream-ttft.ts), not asserted in a
// timed test.
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { quantileSorted } from 'simple-statistics'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runClosedStreamLoad } from '../../src/load/closed-stream-driver.ts'
import { runOpenLoad } from '../../src/load/open-driver.ts'
import { createRequestMix } from '../../src/load/request-mix.ts'
import { streamSeries } from '../../src/load/stream-timing.ts'
import { createEndpointApp, type EndpointApp } from '../../src/run/endpoint-app.ts'
import { preLlmOffsetsMs, readAlongside, streamTimingScenario } from '../fixtures/stream-timing.ts'

const scenario = streamTimingScenario
const exporter = new InMemorySpanExporter()
let app: EndpointApp
let url: string

beforeAll(async () => {
  app = await createEndpointApp(scenario, { extraProcessors: [new SimpleSpanProcessor(exporter)] })
  const address = await app.endpoint.listen(0, '127.0.0.1')
  url = `http://127.0.0.1:${address.port}/ask`
})
afterAll(() => app.close())

const median = (values: number[]) =>
  quantileSorted(
    [...values].sort((a, b) => a - b),
    0.5,
  )

function preLlmP50(): number {
  const offsets = preLlmOffsetsMs(exporter.getFinishedSpans())
  expect(offsets.length).toBeGreaterThan(5)
  return median(offsets)
}

describe('streamed-answer timing against fixed models', () => {
  it('open model: TTFT = pipeline before the LLM + 200 ms (within one token gap), ITL and TPOT 10 ms, as an independent reader sees', async () => {
    exporter.reset()
    const running = runOpenLoad({
      url,
      arrival: { ratePerSec: 4, distribution: 'uniform', maxInFlight: 10 },
      durationMs: 4000,
      warmupMs: 500,
      requestTimeoutMs: 5000,
      mix: createRequestMix(scenario.requests, 1),
      seed: 1,
    })
    // The reader runs beside the driver, so both see the endpoint under the same load.
    const reader = await readAlongside(url, running, 100)
    const result = await running
    const series = streamSeries(result.streams ?? [])
    expect(series.ttftMs.length).toBeGreaterThanOrEqual(10)
    const ttftP50 = median(series.ttftMs)
    const expected = preLlmP50() + 200
    expect(ttftP50).toBeGreaterThanOrEqual(expected - 0.5)
    expect(ttftP50).toBeLessThanOrEqual(expected + 8)
    expect(Math.abs(median(series.itlMs) - 10)).toBeLessThanOrEqual(1)
    expect(Math.abs(median(series.tpotMs) - 10)).toBeLessThanOrEqual(1)
    // Every request came back whole: 50 tokens each, 49 gaps.
    expect(result.streams!.every((r) => r.ok && r.outputTokens === 50 && r.itlsMs.length === 49)).toBe(true)

    expect(reader.length).toBeGreaterThanOrEqual(3)
    expect(Math.abs(median(reader) - ttftP50)).toBeLessThanOrEqual(8)
  })

  it('closed model: the streaming driver times the same way', async () => {
    const result = await runClosedStreamLoad({
      url,
      connections: 2,
      durationMs: 2000,
      warmupMs: 300,
      requestTimeoutMs: 5000,
      mix: createRequestMix(scenario.requests, 1),
    })
    const series = streamSeries(result.streams ?? [])
    expect(series.ttftMs.length).toBeGreaterThanOrEqual(4)
    expect(median(series.ttftMs)).toBeGreaterThanOrEqual(200)
    expect(Math.abs(median(series.itlMs) - 10)).toBeLessThanOrEqual(1)
    expect(Math.abs(median(series.tpotMs) - 10)).toBeLessThanOrEqual(1)
    expect(result.sent).toBe(result.completed + result.errors + result.timeouts + result.inFlightAtEnd)
  })
})
