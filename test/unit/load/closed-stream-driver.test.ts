import { afterEach, describe, expect, it } from 'vitest'
import { runClosedStreamLoad } from '../../../src/load/closed-stream-driver.ts'
import { createRequestMix } from '../../../src/load/request-mix.ts'
import { type DelayedServer, startDelayedServer } from './delayed-server.ts'

const KINDS = [
  {
    tenant: 'acme',
    apiKey: 'key',
    weight: 1,
    question: 'q',
    questions: undefined,
    k: undefined,
    rerank: undefined,
    stream: true as const,
  },
]

let server: DelayedServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('runClosedStreamLoad', () => {
  it('keeps one request in flight per connection and accounts for every one', async () => {
    server = await startDelayedServer({ delayMs: 20 })
    const result = await runClosedStreamLoad({
      url: `${server.url}/ask`,
      connections: 3,
      durationMs: 500,
      warmupMs: 100,
      requestTimeoutMs: 2000,
      mix: createRequestMix(KINDS, 1),
    })
    expect(result.sent).toBe(result.completed + result.errors + result.timeouts + result.inFlightAtEnd)
    // 3 connections × ~600 ms / ≥ 20 ms each: at most 90 requests, and many more than 3.
    expect(result.sent).toBeGreaterThan(10)
    expect(result.sent).toBeLessThanOrEqual(3 * Math.ceil(600 / 20) + 3)
    expect(JSON.parse(server.received[0]!.body)).toMatchObject({ stream: true })
    // The test server answers JSON, not SSE: every streamed request is a not_streamed failure.
    expect(result.streams!.every((r) => !r.ok && r.failure === 'not_streamed')).toBe(true)
  })

  it('stops at once on abort, counting what was open as in flight', async () => {
    server = await startDelayedServer({ delayMs: 5000 })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 300)
    const started = performance.now()
    const result = await runClosedStreamLoad({
      url: `${server.url}/ask`,
      connections: 4,
      durationMs: 10_000,
      warmupMs: 0,
      requestTimeoutMs: 8000,
      mix: createRequestMix(KINDS, 1),
      signal: controller.signal,
    })
    expect(performance.now() - started).toBeLessThan(2000)
    expect(result.interrupted).toBe(true)
    expect(result).toMatchObject({ sent: 4, completed: 0, errors: 0, timeouts: 0, inFlightAtEnd: 4 })
  })
})
