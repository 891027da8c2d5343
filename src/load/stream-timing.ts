// Timing a streamed answer on the client, as the LLM-serving benchmarks define it (vLLM
// `bench serve`; see the README's "Streamed answers"):
//   TTFT  = send time → first content chunk received (the open model's send time is the
//           INTENDED one, so schedule lag counts, as for every other client latency)
//   ITL   = each gap between consecutive content chunks, pooled over requests
//   TPOT  = (e2e − TTFT) / (output tokens − 1), per request with at least 2 tokens
//   output tokens/s = output tokens / e2e, per request
// Output tokens come from the endpoint's final event (the provider's usage); a chunk may carry
// several. Only requests whose stream ended with the `done` event count: a stream that failed
// (an `error` event, a dropped connection, no `done`) is an error, as vLLM leaves failed
// requests out of its latency figures.
import { createSseDecoder } from '../sse.ts'

export type StreamRecord = {
  tenant: string
  ok: boolean
  // Why it failed ('error_event', 'no_done', 'not_streamed', a status); absent when ok.
  failure?: string
  e2eMs: number
  ttftMs: number | undefined
  // Gaps between consecutive content chunks of this request.
  itlsMs: number[]
  outputTokens: number
}

export type StreamTimer = {
  push(chunk: Uint8Array, atMs: number): void
  finish(endMs: number, status: number, contentType: string | undefined): StreamRecord
}

export function createStreamTimer(tenant: string, sentAtMs: number): StreamTimer {
  let firstMs: number | undefined
  let lastMs: number | undefined
  const itlsMs: number[] = []
  let chunks = 0
  let usageTokens: number | undefined
  let done = false
  let errorEvent = false
  let nowMs = sentAtMs
  const decoder = createSseDecoder((event) => {
    if (event.event === 'delta') {
      if (lastMs !== undefined) itlsMs.push(nowMs - lastMs)
      firstMs ??= nowMs
      lastMs = nowMs
      chunks++
    } else if (event.event === 'done') {
      done = true
      usageTokens = outputTokensOf(event.data)
    } else if (event.event === 'error') errorEvent = true
  })
  return {
    push(chunk, atMs) {
      nowMs = atMs
      decoder.push(chunk)
    },
    finish(endMs, status, contentType) {
      decoder.end()
      const streamed = (contentType ?? '').startsWith('text/event-stream')
      const failure =
        status !== 200
          ? `status_${status}`
          : !streamed
            ? 'not_streamed'
            : errorEvent
              ? 'error_event'
              : !done
                ? 'no_done'
                : undefined
      return {
        tenant,
        ok: failure === undefined,
        ...(failure ? { failure } : {}),
        e2eMs: endMs - sentAtMs,
        ttftMs: firstMs === undefined ? undefined : firstMs - sentAtMs,
        itlsMs,
        outputTokens: usageTokens ?? chunks,
      }
    },
  }
}

function outputTokensOf(data: string): number | undefined {
  try {
    const body: unknown = JSON.parse(data)
    if (typeof body !== 'object' || body === null || !('usage' in body)) return undefined
    const usage = body.usage
    if (typeof usage !== 'object' || usage === null || !('output_tokens' in usage)) return undefined
    return typeof usage.output_tokens === 'number' ? usage.output_tokens : undefined
  } catch {
    return undefined
  }
}

// TPOT of one request as vLLM computes it; undefined below 2 output tokens (no gap to divide).
export function tpotMs(record: StreamRecord): number | undefined {
  if (!record.ok || record.ttftMs === undefined || record.outputTokens < 2) return undefined
  return (record.e2eMs - record.ttftMs) / (record.outputTokens - 1)
}

export function outputTokensPerSec(record: StreamRecord): number | undefined {
  if (!record.ok || record.e2eMs <= 0) return undefined
  return record.outputTokens / (record.e2eMs / 1000)
}

export type StreamSeries = { ttftMs: number[]; itlMs: number[]; tpotMs: number[]; outputTokensPerS: number[] }

// The pooled series of the successful streams (optionally of one tenant).
export function streamSeries(records: readonly StreamRecord[], tenant?: string): StreamSeries {
  const series: StreamSeries = { ttftMs: [], itlMs: [], tpotMs: [], outputTokensPerS: [] }
  for (const record of records) {
    if (!record.ok || (tenant !== undefined && record.tenant !== tenant)) continue
    if (record.ttftMs !== undefined) series.ttftMs.push(record.ttftMs)
    for (const gap of record.itlsMs) series.itlMs.push(gap)
    const tpot = tpotMs(record)
    if (tpot !== undefined) series.tpotMs.push(tpot)
    const rate = outputTokensPerSec(record)
    if (rate !== undefined) series.outputTokensPerS.push(rate)
  }
  return series
}

export type GoodputSlo = { ttftMs?: number; itlMs?: number; tpotMs?: number; e2eMs?: number }

// Whether one request met every SLO given (vLLM's request goodput; an ITL SLO holds when every
// gap of the request is within it). A failed stream never does.
export function meetsSlo(record: StreamRecord, slo: GoodputSlo): boolean {
  if (!record.ok) return false
  if (slo.ttftMs !== undefined && (record.ttftMs === undefined || record.ttftMs > slo.ttftMs)) return false
  if (slo.e2eMs !== undefined && record.e2eMs > slo.e2eMs) return false
  if (slo.itlMs !== undefined && record.itlsMs.some((gap) => gap > slo.itlMs!)) return false
  const tpot = tpotMs(record)
  if (slo.tpotMs !== undefined && tpot !== undefined && tpot > slo.tpotMs) return false
  return true
}
