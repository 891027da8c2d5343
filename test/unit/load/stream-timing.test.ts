import { describe, expect, it } from 'vitest'
import {
  createStreamTimer,
  meetsSlo,
  outputTokensPerSec,
  streamSeries,
  tpotMs,
} from '../../../src/load/stream-timing.ts'
import { encodeSseEvent } from '../../../src/sse.ts'

const bytes = (text: string) => new TextEncoder().encode(text)
const delta = (content: string) =>
  bytes(encodeSseEvent({ event: 'delta', data: JSON.stringify({ content }) }))
const done = (outputTokens: number) =>
  bytes(encodeSseEvent({ event: 'done', data: JSON.stringify({ usage: { output_tokens: outputTokens } }) }))
const SSE = 'text/event-stream; charset=utf-8'

describe('stream timing, hand-computed cases', () => {
  it('4 chunks sent at 100 ms: TTFT from the send time, ITL each gap, TPOT = (e2e − TTFT)/(tokens − 1)', () => {
    // Sent at t = 100; chunks at 300, 310, 330, 360; done at 362 with 4 tokens.
    const timer = createStreamTimer('acme', 100)
    timer.push(delta('a'), 300)
    timer.push(delta('b'), 310)
    timer.push(delta('c'), 330)
    timer.push(delta('d'), 360)
    timer.push(done(4), 362)
    const record = timer.finish(362, 200, SSE)
    expect(record).toMatchObject({ ok: true, ttftMs: 200, itlsMs: [10, 20, 30], e2eMs: 262, outputTokens: 4 })
    expect(tpotMs(record)).toBeCloseTo((262 - 200) / 3, 12)
    expect(outputTokensPerSec(record)).toBeCloseTo(4 / 0.262, 9)
  })

  it('a chunk carrying several tokens: ITL per chunk, TPOT per token (vLLM)', () => {
    const timer = createStreamTimer('acme', 0)
    timer.push(delta('aaaa'), 50)
    timer.push(delta('bbbb'), 90)
    timer.push(done(6), 90)
    const record = timer.finish(90, 200, SSE)
    expect(record.itlsMs).toEqual([40])
    expect(tpotMs(record)).toBe((90 - 50) / 5)
  })

  it('one token: a TTFT, no ITL, no TPOT', () => {
    const timer = createStreamTimer('acme', 0)
    timer.push(delta('x'), 70)
    timer.push(done(1), 71)
    const record = timer.finish(71, 200, SSE)
    expect(record).toMatchObject({ ok: true, ttftMs: 70, itlsMs: [] })
    expect(tpotMs(record)).toBeUndefined()
    expect(streamSeries([record])).toEqual({
      ttftMs: [70],
      itlMs: [],
      tpotMs: [],
      outputTokensPerS: [1 / 0.071],
    })
  })

  it('no tokens: no TTFT, nothing in the series but the rate (0 tokens/s)', () => {
    const timer = createStreamTimer('acme', 0)
    timer.push(done(0), 30)
    const record = timer.finish(30, 200, SSE)
    expect(record).toMatchObject({ ok: true, ttftMs: undefined, outputTokens: 0 })
    expect(streamSeries([record])).toEqual({ ttftMs: [], itlMs: [], tpotMs: [], outputTokensPerS: [0] })
  })

  it('an error mid-stream: a failed request, left out of every latency series and of goodput', () => {
    const timer = createStreamTimer('acme', 0)
    timer.push(delta('a'), 10)
    timer.push(delta('b'), 20)
    timer.push(bytes(encodeSseEvent({ event: 'error', data: '{"error":{"status":502}}' })), 25)
    const record = timer.finish(25, 200, SSE)
    expect(record).toMatchObject({ ok: false, failure: 'error_event' })
    expect(streamSeries([record])).toEqual({ ttftMs: [], itlMs: [], tpotMs: [], outputTokensPerS: [] })
    expect(meetsSlo(record, {})).toBe(false)
  })

  it('a stream that stops without its done event, or an answer that is not a stream, fails', () => {
    const cut = createStreamTimer('acme', 0)
    cut.push(delta('a'), 10)
    expect(cut.finish(12, 200, SSE)).toMatchObject({ ok: false, failure: 'no_done' })
    expect(createStreamTimer('acme', 0).finish(5, 200, 'application/json')).toMatchObject({
      ok: false,
      failure: 'not_streamed',
    })
  })

  it('goodput SLOs: every one must hold; tenants narrow the series', () => {
    const make = (tenant: string, ttft: number, end: number) => {
      const timer = createStreamTimer(tenant, 0)
      timer.push(delta('a'), ttft)
      timer.push(delta('b'), ttft + 10)
      timer.push(done(2), end)
      return timer.finish(end, 200, SSE)
    }
    const fast = make('acme', 100, 200)
    const slow = make('globex', 900, 1000)
    expect(meetsSlo(fast, { ttftMs: 500, e2eMs: 400 })).toBe(true)
    expect(meetsSlo(slow, { ttftMs: 500 })).toBe(false)
    expect(meetsSlo(fast, { itlMs: 5 })).toBe(false)
    expect(streamSeries([fast, slow], 'globex').ttftMs).toEqual([900])
  })
})
