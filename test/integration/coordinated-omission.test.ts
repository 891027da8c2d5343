// Coordinated omission with a real stall, as wrk2's README argues it: a node:http server on
// 127.0.0.1, in this process, that freezes for STALL_MS when it receives request STALL_AT, under
// an open-model rate of 200 req/s. The freeze holds the driver too (one event loop, like a
// stop-the-world pause of the system under test), so every request due during the stall leaves
// when it ends. Recorded from the intended send time, those requests must carry the rest of the
// stall; the same run measured from the actual send time (latency − lag) must not.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClientSample } from '../../src/load/client-load-result.ts'
import { runOpenLoad } from '../../src/load/open-driver.ts'
import { createRequestMix } from '../../src/load/request-mix.ts'

const RATE_PER_SEC = 200
const GAP_MS = 1000 / RATE_PER_SEC
const STALL_AT = 100 // the 101st request, intended at 500 ms
const STALL_MS = 400
const STALL_INTENDED_MS = STALL_AT * GAP_MS

let server: http.Server
let url: string

beforeAll(async () => {
  let received = 0
  server = http.createServer((request, response) => {
    request.resume()
    request.on('end', () => {
      if (received++ === STALL_AT) {
        // A synchronous stall: nothing in this process runs until it ends.
        const until = performance.now() + STALL_MS
        while (performance.now() < until) {}
      }
      response.setHeader('content-type', 'application/json')
      response.end('{"answer":"ok"}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ask`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

describe('the open model under a server stall', () => {
  it('records the backlog from the intended send time, which the actual send time would hide', async () => {
    const result = await runOpenLoad({
      url,
      arrival: { ratePerSec: RATE_PER_SEC, distribution: 'uniform', maxInFlight: 1000 },
      durationMs: 1500,
      warmupMs: 0,
      requestTimeoutMs: 5000,
      mix: createRequestMix(
        [
          {
            tenant: 'acme',
            apiKey: 'key-acme',
            weight: 1,
            question: 'q',
            questions: undefined,
            k: undefined,
            rerank: undefined,
          },
        ],
        1,
      ),
      seed: 1,
      keepSamples: true,
    })
    expect(result.completed).toBe(result.sent)
    expect(result.dropped).toBe(0)
    const samples = result.samples!
    // Requests due while the server was frozen (after the stalled one, within STALL_MS of it).
    const during = samples.filter(
      (s) => s.sentAtMs > STALL_INTENDED_MS && s.sentAtMs < STALL_INTENDED_MS + STALL_MS,
    )
    expect(during.length).toBe(STALL_MS / GAP_MS - 1)

    // The stall began no earlier than the stalled request's intended time and lasted STALL_MS,
    // so no request due during it could be answered before STALL_INTENDED_MS + STALL_MS: its
    // latency from the intended time is at least the rest of the stall. A lower bound only, so a
    // loaded machine cannot make this fail.
    for (const s of during) {
      expect(s.latencyMs, `intended at ${s.sentAtMs} ms`).toBeGreaterThanOrEqual(
        STALL_INTENDED_MS + STALL_MS - s.sentAtMs - 1e-6,
      )
    }
    // The backlog as a distribution: spread evenly over (0, STALL_MS), so at least the requests
    // due in the first half of the stall waited half of it or more.
    const waitedHalf = during.filter((s) => s.latencyMs >= STALL_MS / 2).length
    expect(waitedHalf).toBeGreaterThanOrEqual(STALL_MS / 2 / GAP_MS - 1)

    // The same run from the actual send time: the wait moves into the lag and the latencies of
    // those requests are only the service time (a generous upper bound: half the stall).
    const fromActualSend = (s: ClientSample) => s.latencyMs - s.lagMs
    for (const s of during)
      expect(fromActualSend(s), `intended at ${s.sentAtMs} ms`).toBeLessThan(STALL_MS / 2)
    for (const s of during) {
      expect(s.lagMs).toBeGreaterThanOrEqual(STALL_INTENDED_MS + STALL_MS - s.sentAtMs - 1e-6)
    }
    // Well after the stall the service is back to normal in both views.
    const after = samples.filter((s) => s.sentAtMs >= STALL_INTENDED_MS + 2 * STALL_MS)
    expect(after.length).toBe((1500 - STALL_INTENDED_MS - 2 * STALL_MS) / GAP_MS)
    expect(after.filter((s) => s.latencyMs < STALL_MS / 4).length).toBeGreaterThan(after.length * 0.9)
  })
})
