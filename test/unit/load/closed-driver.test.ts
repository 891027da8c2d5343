import { afterEach, describe, expect, it } from 'vitest'
import { runClosedLoad } from '../../../src/load/closed-driver.ts'
import { createRequestMix } from '../../../src/load/request-mix.ts'
import type { RequestKind } from '../../../src/scenario/schema.ts'
import { type DelayedServer, refusedPortUrl, startDelayedServer } from './delayed-server.ts'

const KINDS: RequestKind[] = [
  {
    tenant: 'acme',
    apiKey: 'key-acme',
    weight: 3,
    question: 'What is our refund policy?',
    questions: undefined,
    k: 5,
    rerank: undefined,
  },
  {
    tenant: 'globex',
    apiKey: 'key-globex',
    weight: 1,
    question: undefined,
    questions: { pool: 50, distribution: 'zipf', zipfExponent: 1 },
    k: undefined,
    rerank: false,
  },
]

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/

let server: DelayedServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

function sum(values: Record<string, number>): number {
  return Object.values(values).reduce((a, b) => a + b, 0)
}

describe('runClosedLoad', () => {
  it('accounts for every request, counts status codes and keeps warm-up out of the latencies', async () => {
    // Slow (200 ms) for what arrives in the server's first 450 ms, fast (20 ms) after. A request
    // sent after the 500 ms warm-up always arrives after the server's 450 ms mark, so every
    // latency kept must be fast; the slow ones must be counted but left out.
    let firstAtMs = -1
    server = await startDelayedServer({
      delayMs: (received) => {
        if (firstAtMs < 0) firstAtMs = received.atMs
        return received.atMs - firstAtMs < 450 ? 200 : 20
      },
      status: (received) => (received.headers.authorization === 'Bearer key-globex' ? 503 : 200),
    })
    const ticks: number[] = []
    const result = await runClosedLoad({
      url: server.url,
      connections: 4,
      warmupMs: 500,
      durationMs: 1000,
      requestTimeoutMs: 5000,
      mix: createRequestMix(KINDS, 7),
      keepSamples: true,
      onTick: (progress) => ticks.push(progress.elapsedMs),
    })

    expect(result.model).toBe('closed')
    expect(result.driver).toMatch(/^autocannon \d+\.\d+\.\d+ \(closed model\)$/)
    expect(result.sent).toBe(result.completed + result.errors + result.timeouts + result.inFlightAtEnd)
    expect(result.inFlightAtEnd).toBeLessThanOrEqual(4)
    expect(result.errors).toBe(0)
    expect(result.timeouts).toBe(0)
    expect(result.warnings).toEqual([])
    expect(sum(result.statusCodes)).toBe(result.completed)
    expect(result.statusCodes['200']).toBeGreaterThan(0)
    expect(result.statusCodes['503']).toBeGreaterThan(0)
    // The server saw every answered request; the ones in flight at the end may not have arrived.
    expect(server.received.length).toBeGreaterThanOrEqual(result.completed)
    expect(server.received.length).toBeLessThanOrEqual(result.sent)

    // Warm-up: slow responses happened and were counted, but none is in the latencies.
    expect(result.completedAfterWarmup).toBe(result.latenciesMs.length)
    expect(result.completedAfterWarmup).toBeLessThan(result.completed)
    expect(result.completed - result.completedAfterWarmup).toBeGreaterThanOrEqual(4)
    // The server's setTimeout(20) runs on libuv's loop clock, cached in whole ms, so it can end up
    // to 1 ms sooner than 20 ms measured with performance.now (seen: 19.9 ms for 20).
    expect(Math.min(...result.latenciesMs)).toBeGreaterThanOrEqual(20 - 1)
    expect(Math.max(...result.latenciesMs)).toBeLessThan(150)
    expect(result.measuredDurationMs).toBeGreaterThanOrEqual(990)
    expect(result.measuredDurationMs).toBeLessThan(1600)

    // Requests carry the mix's key, JSON body and a W3C traceparent.
    for (const received of server.received) {
      expect(received.method).toBe('POST')
      expect(received.url).toBe('/ask')
      expect(received.headers['content-type']).toBe('application/json')
      expect(received.headers.traceparent).toMatch(TRACEPARENT)
      const body = JSON.parse(received.body) as { tenant_id: string }
      expect(received.headers.authorization).toBe(`Bearer key-${body.tenant_id}`)
    }
    // Each kept sample joins to the trace id the server received.
    const serverTraceIds = new Set(server.received.map((r) => String(r.headers.traceparent).slice(3, 35)))
    expect(result.samples).toHaveLength(result.completedAfterWarmup)
    for (const sample of result.samples!) expect(serverTraceIds.has(sample.traceId)).toBe(true)

    // Time series: 1 s buckets by completion time, warm-up flagged, requests add up.
    expect(result.intervals.length).toBeGreaterThanOrEqual(2)
    expect(result.intervals[0]!.start_ms).toBe(0)
    expect(result.intervals[0]!.warmup).toBe(true)
    expect(result.intervals[1]!.start_ms).toBe(1000)
    expect(result.intervals[1]!.warmup).toBe(false)
    expect(result.intervals.reduce((n, i) => n + i.requests, 0)).toBe(result.completed)
    expect(result.intervals[1]!.p50_ms).toBeGreaterThanOrEqual(20)
    expect(ticks.length).toBeGreaterThanOrEqual(1)
  })

  it('counts requests lost on connections the server closed as errors, so accounting still holds', async () => {
    server = await startDelayedServer({ delayMs: 5, closeConnections: true })
    const result = await runClosedLoad({
      url: server.url,
      connections: 2,
      warmupMs: 0,
      durationMs: 500,
      requestTimeoutMs: 5000,
      mix: createRequestMix(KINDS, 1),
    })
    expect(result.completed).toBeGreaterThan(0)
    expect(result.sent).toBe(result.completed + result.errors + result.timeouts + result.inFlightAtEnd)
    expect(result.inFlightAtEnd).toBeLessThanOrEqual(2)
    expect(result.errorCodes.connection_closed).toBeGreaterThan(0)
    expect(result.warnings.join(' ')).toMatch(/client latencies are overstated/)
  })

  it('fails with a clear error within seconds when the endpoint refuses connections', async () => {
    const url = await refusedPortUrl()
    const startedAt = performance.now()
    const failure = runClosedLoad({
      url,
      connections: 4,
      warmupMs: 0,
      durationMs: 30_000,
      requestTimeoutMs: 5000,
      mix: createRequestMix(KINDS, 1),
    })
    await expect(failure).rejects.toThrow(`Failed to reach the endpoint at ${url}: connection refused`)
    // "Within about a second" (README), not after the 30 s run nor in a hot reconnect loop.
    expect(performance.now() - startedAt).toBeLessThan(2000)
  })

  it('stops early when aborted and says it was interrupted', async () => {
    server = await startDelayedServer({ delayMs: 20 })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 300)
    const startedAt = performance.now()
    const result = await runClosedLoad({
      url: server.url,
      connections: 2,
      warmupMs: 0,
      durationMs: 10_000,
      requestTimeoutMs: 5000,
      mix: createRequestMix(KINDS, 1),
      signal: controller.signal,
    })
    expect(performance.now() - startedAt).toBeLessThan(2000)
    expect(result.interrupted).toBe(true)
    expect(result.completed).toBeGreaterThan(0)
    expect(result.sent).toBe(result.completed + result.errors + result.timeouts + result.inFlightAtEnd)
  })
})
