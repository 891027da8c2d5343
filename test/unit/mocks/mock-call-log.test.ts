import { request } from 'undici'
import { describe, expect, it } from 'vitest'
import { MOCK_DELAY_HEADER } from '../../../src/contract/dependency-api.ts'
import { traceparentSpanId } from '../../../src/contract/mock-call.ts'
import { MockCallLog } from '../../../src/mocks/mock-call-log.ts'
import { mockPost } from '../../../src/mocks/mock-handler.ts'
import { type AnsweredCall, serveHandlers } from '../../../src/mocks/mock-http-server.ts'

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const SPAN = '00f067aa0ba902b7'

describe('traceparentSpanId (W3C Trace Context parent-id)', () => {
  it('reads the caller span id of a valid header, case and surrounding space aside', () => {
    expect(traceparentSpanId(`00-${TRACE}-${SPAN}-01`)).toBe(SPAN)
    expect(traceparentSpanId(` 00-${TRACE}-${SPAN}-00 `)).toBe(SPAN)
    // A future version may append fields after the flags.
    expect(traceparentSpanId(`01-${TRACE}-${SPAN}-01-extra`)).toBe(SPAN)
  })

  it('ignores a missing or invalid header, as the spec tells a receiver to', () => {
    expect(traceparentSpanId(undefined)).toBeUndefined()
    expect(traceparentSpanId([`00-${TRACE}-${SPAN}-01`])).toBeUndefined()
    expect(traceparentSpanId('garbage')).toBeUndefined()
    expect(traceparentSpanId(`ff-${TRACE}-${SPAN}-01`)).toBeUndefined()
    expect(traceparentSpanId(`00-${'0'.repeat(32)}-${SPAN}-01`)).toBeUndefined()
    expect(traceparentSpanId(`00-${TRACE}-${'0'.repeat(16)}-01`)).toBeUndefined()
    expect(traceparentSpanId(`00-${TRACE.toUpperCase()}-${SPAN}-01`)).toBeUndefined()
  })
})

describe('MockCallLog', () => {
  const call = (traceparent: string | undefined): AnsweredCall => ({ traceparent, drawnMs: 20, heldMs: 21.5 })

  it('keeps traced calls as records keyed by the caller span, counts untraced ones, and empties on take', () => {
    const log = new MockCallLog()
    log.record('llm', call(`00-${TRACE}-${SPAN}-01`))
    log.record('llm', call(undefined))
    log.record('embedding', call('not a traceparent'))
    expect(log.take()).toEqual([{ dependency: 'llm', spanId: SPAN, drawnMs: 20, heldMs: 21.5 }])
    expect(log.take()).toEqual([])
    expect(log.counts).toEqual({ llm: { traced: 1, untraced: 1 }, embedding: { traced: 0, untraced: 1 } })
  })

  it('stays bounded: past maxPending unsent records, new ones are dropped and counted', () => {
    const log = new MockCallLog(2)
    for (let i = 0; i < 5; i++)
      log.record('reranker', call(`00-${TRACE}-${String(i + 1).padStart(16, '0')}-01`))
    expect(log.take()).toHaveLength(2)
    expect(log.dropped).toBe(3)
    expect(log.counts.reranker).toEqual({ traced: 5, untraced: 0 })
  })
})

describe('serveHandlers onCall', () => {
  it('reports each 2xx that carries a drawn latency with the request traceparent and the held time', async () => {
    const calls: AnsweredCall[] = []
    const mock = await serveHandlers(
      [
        mockPost('https://x.test/ok', async () => {
          await new Promise((resolve) => setTimeout(resolve, 15))
          return { status: 200, headers: { [MOCK_DELAY_HEADER]: '15.000' }, json: {} }
        }),
        mockPost('https://x.test/fail', async () => ({
          status: 500,
          headers: { [MOCK_DELAY_HEADER]: '1.000' },
          json: {},
        })),
      ],
      { onCall: (c) => calls.push(c) },
    )
    try {
      const traceparent = `00-${TRACE}-${SPAN}-01`
      await (await request(`${mock.origin}/ok`, { method: 'POST', headers: { traceparent } })).body.dump()
      await (await request(`${mock.origin}/ok`, { method: 'POST' })).body.dump()
      await (await request(`${mock.origin}/fail`, { method: 'POST', headers: { traceparent } })).body.dump()
      expect(calls.map((c) => [c.traceparent, c.drawnMs])).toEqual([
        [traceparent, 15],
        [undefined, 15],
      ])
      expect(calls[0]!.heldMs).toBeGreaterThanOrEqual(15)
    } finally {
      await mock.close()
    }
  })
})
