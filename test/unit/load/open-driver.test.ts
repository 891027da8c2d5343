import { quantile } from 'simple-statistics'
import { afterEach, describe, expect, it } from 'vitest'
import { runOpenLoad } from '../../../src/load/open-driver.ts'
import { createRequestMix } from '../../../src/load/request-mix.ts'
import type { RequestKind } from '../../../src/scenario/schema.ts'
import { type DelayedServer, refusedPortUrl, startDelayedServer } from './delayed-server.ts'

const KINDS: RequestKind[] = [
  {
    tenant: 'acme',
    apiKey: 'key-acme',
    weight: 1,
    question: 'What is our refund policy?',
    questions: undefined,
    k: undefined,
    rerank: undefined,
  },
  {
    tenant: 'globex',
    apiKey: 'key-globex',
    weight: 1,
    question: 'Opening hours?',
    questions: undefined,
    k: 3,
    rerank: undefined,
  },
]

let server: DelayedServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

function accountingHolds(result: {
  sent: number
  completed: number
  errors: number
  timeouts: number
  inFlightAtEnd: number
}) {
  expect(result.sent).toBe(result.completed + result.errors + result.timeouts + result.inFlightAtEnd)
}

describe('runOpenLoad', () => {
  it('sends at the scheduled rate and measures latency from the intended send time', async () => {
    server = await startDelayedServer({
      delayMs: 20,
      status: (received) => (received.headers.authorization === 'Bearer key-globex' ? 429 : 200),
    })
    const ticks: number[] = []
    const result = await runOpenLoad({
      url: server.url,
      arrival: { ratePerSec: 50, distribution: 'uniform', maxInFlight: 100 },
      durationMs: 2000,
      warmupMs: 0,
      requestTimeoutMs: 5000,
      mix: createRequestMix(KINDS, 1),
      seed: 1,
      keepSamples: true,
      onTick: (progress) => ticks.push(progress.sent),
    })

    expect(result.model).toBe('open')
    expect(result.driver).toMatch(/open model/)
    expect(result.sent).toBeGreaterThanOrEqual(90)
    expect(result.sent).toBeLessThanOrEqual(110)
    expect(result.dropped).toBe(0)
    expect(result.scheduled).toBe(result.sent + result.dropped)
    accountingHolds(result)
    expect(result.inFlightAtEnd).toBe(0)
    expect(result.completed).toBe(result.sent)
    expect(result.statusCodes['200']! + result.statusCodes['429']!).toBe(result.completed)
    expect(server.received.length).toBe(result.sent)

    expect(result.latenciesMs.length).toBe(result.completed)
    // The server's setTimeout(20) runs on libuv's loop clock, cached in whole ms, so it can end up
    // to 1 ms sooner than 20 ms measured with performance.now (seen: 19.9 ms for 20).
    expect(Math.min(...result.latenciesMs)).toBeGreaterThanOrEqual(20 - 1)
    expect(quantile([...result.latenciesMs], 0.5)).toBeLessThan(100)
    expect(result.scheduleLagMs.length).toBe(result.sent)
    expect(Math.min(...result.scheduleLagMs)).toBeGreaterThanOrEqual(0)
    expect(quantile([...result.scheduleLagMs], 0.99)).toBeLessThan(50)
    // The late-sends guard's default (README, "The trust verdict"): at most 1% more than 10 ms late.
    expect(result.lateSends / result.scheduled).toBeLessThanOrEqual(0.01)
    expect(result.measuredDurationMs).toBeGreaterThanOrEqual(1950)
    expect(result.measuredDurationMs).toBeLessThan(2500)
    expect(ticks.length).toBeGreaterThanOrEqual(1)

    // The server got the requests evenly spaced (20 ms apart), not in bursts.
    const arrivals = server.received.map((r) => r.atMs)
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!)
    expect(quantile(gaps, 0.5)).toBeGreaterThan(15)
    expect(quantile(gaps, 0.5)).toBeLessThan(25)

    // Samples join to the server's trace ids.
    const serverTraceIds = new Set(server.received.map((r) => String(r.headers.traceparent).slice(3, 35)))
    expect(result.samples).toHaveLength(result.completed)
    for (const sample of result.samples!) expect(serverTraceIds.has(sample.traceId)).toBe(true)
    expect(result.intervals.reduce((n, i) => n + i.requests, 0)).toBe(result.completed)
  })

  it('drops and counts requests beyond maxInFlight and keeps the warm-up out of the statistics', async () => {
    server = await startDelayedServer({ delayMs: 100 })
    const result = await runOpenLoad({
      url: server.url,
      arrival: { ratePerSec: 50, distribution: 'uniform', maxInFlight: 2 },
      durationMs: 1000,
      warmupMs: 200,
      requestTimeoutMs: 5000,
      mix: createRequestMix(KINDS, 1),
      seed: 1,
    })
    expect(result.scheduled).toBe(60)
    expect(result.dropped).toBeGreaterThan(30)
    expect(result.scheduled).toBe(result.sent + result.dropped)
    accountingHolds(result)
    expect(result.completedAfterWarmup).toBe(result.latenciesMs.length)
    expect(result.completedAfterWarmup).toBeLessThan(result.completed)
    // The server's setTimeout(100) runs on libuv's loop clock, cached in whole ms, so it can end up
    // to 1 ms sooner than 100 ms measured with performance.now (seen: 19.9 ms for 20).
    expect(Math.min(...result.latenciesMs)).toBeGreaterThanOrEqual(100 - 1)
  })

  it('counts requests that get no answer within the request timeout as timeouts', async () => {
    server = await startDelayedServer({ delayMs: 2000 })
    const startedAt = performance.now()
    const result = await runOpenLoad({
      url: server.url,
      arrival: { ratePerSec: 10, distribution: 'poisson', maxInFlight: 100 },
      durationMs: 500,
      warmupMs: 0,
      requestTimeoutMs: 200,
      mix: createRequestMix(KINDS, 1),
      seed: 3,
    })
    expect(result.sent).toBeGreaterThan(0)
    expect(result.timeouts).toBe(result.sent)
    expect(result.completed).toBe(0)
    accountingHolds(result)
    expect(performance.now() - startedAt).toBeLessThan(1500)
  })

  it('fails with a clear error within seconds when the endpoint refuses connections', async () => {
    const url = await refusedPortUrl()
    const startedAt = performance.now()
    const failure = runOpenLoad({
      url,
      arrival: { ratePerSec: 20, distribution: 'uniform', maxInFlight: 10 },
      durationMs: 30_000,
      warmupMs: 0,
      requestTimeoutMs: 5000,
      mix: createRequestMix(KINDS, 1),
      seed: 1,
    })
    await expect(failure).rejects.toThrow(`Failed to reach the endpoint at ${url}: connection refused`)
    // "Within about a second": at 20 req/s the 50-refusal rule would take 2.5 s, so the 1 s rule
    // (UNREACHABLE_AFTER_MS) stops it; the upper bound allows a second of scheduling noise.
    const elapsedMs = performance.now() - startedAt
    expect(elapsedMs).toBeGreaterThanOrEqual(1000)
    expect(elapsedMs).toBeLessThan(2000)
  })
})
