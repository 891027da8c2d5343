// The endpoint's streamed answer (POST /ask with "stream": true), as server-sent events:
//   event: delta   data: {"content":"…"}               one per content chunk from the LLM
//   event: done    data: {"trace_id","usage","citations","answer_chars"}   then the response ends
//   event: error   data: {"error":{"status","message"},"trace_id"}         then the response ends
// The response starts (200, text/event-stream) with the first delta: a failure before it (auth,
// rate limit, a dependency before the LLM) is an ordinary JSON error with its status, and one
// after it is an `error` event, never a hung connection.
import type { ServerResponse } from 'node:http'
import { encodeSseEvent, SSE_HEADERS } from '../sse.ts'

export const SSE_EVENTS = { delta: 'delta', done: 'done', error: 'error' } as const

export function writeDelta(res: ServerResponse, text: string): void {
  if (res.destroyed) return
  if (!res.headersSent) res.writeHead(200, SSE_HEADERS)
  res.write(encodeSseEvent({ event: SSE_EVENTS.delta, data: JSON.stringify({ content: text }) }))
}

export function writeDone(res: ServerResponse, body: Record<string, unknown>): void {
  if (!res.headersSent) res.writeHead(200, SSE_HEADERS)
  res.end(encodeSseEvent({ event: SSE_EVENTS.done, data: JSON.stringify(body) }))
}

export function isEventStream(res: ServerResponse): boolean {
  return String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')
}

export function writeErrorEvent(
  res: ServerResponse,
  status: number,
  message: string,
  traceId?: string,
): void {
  const body = { error: { status, message }, ...(traceId ? { trace_id: traceId } : {}) }
  res.end(encodeSseEvent({ event: SSE_EVENTS.error, data: JSON.stringify(body) }))
}
