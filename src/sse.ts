// Server-sent events (the WHATWG HTML "server-sent events" wire format), as OpenAI-compatible
// providers stream chat completions and as the endpoint streams its answers. Encoding is ours
// (a few lines: one `data:` line per line of the payload, a blank line to end the event);
// decoding is eventsource-parser's, fed through a streaming TextDecoder so that a chunk boundary
// may fall anywhere, even inside a multi-byte UTF-8 character or between "\r" and "\n".
import { createParser, type EventSourceMessage } from 'eventsource-parser'

export type SseEvent = { event?: string; data: string }

// The OpenAI end-of-stream sentinel: `data: [DONE]`.
export const SSE_DONE = '[DONE]'
// Sent to a client before the first event: no proxy buffers a response it has seen this on.
export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const

export function encodeSseEvent(event: SseEvent): string {
  const head = event.event !== undefined ? `event: ${event.event.replace(/[\r\n]/g, ' ')}\n` : ''
  // Every line terminator the decoder recognises starts a new data line, so the payload survives
  // any mix of \n, \r\n and \r exactly as the specification's "data" buffer rebuilds it with \n.
  const lines = event.data.split(/\r\n|\r|\n/)
  return `${head}${lines.map((line) => `data: ${line}`).join('\n')}\n\n`
}

export type SseDecoder = {
  // Feed raw bytes (or text) as they arrive; complete events are delivered to onEvent.
  push(chunk: Uint8Array | string): void
  // The stream ended: flush the decoder. An event without its terminating blank line is dropped,
  // as the specification says; whether a stream ended early is the protocol's to tell (OpenAI's
  // `[DONE]`, the endpoint's `done` event), not the framing's.
  end(): void
}

export function createSseDecoder(onEvent: (event: SseEvent) => void): SseDecoder {
  const text = new TextDecoder('utf-8')
  const parser = createParser({
    onEvent: (message: EventSourceMessage) => {
      onEvent(
        message.event !== undefined ? { event: message.event, data: message.data } : { data: message.data },
      )
    },
  })
  return {
    push(chunk) {
      const piece = typeof chunk === 'string' ? chunk : text.decode(chunk, { stream: true })
      if (piece.length > 0) parser.feed(piece)
    },
    end() {
      const rest = text.decode()
      if (rest.length > 0) parser.feed(rest)
      parser.reset()
    },
  }
}
