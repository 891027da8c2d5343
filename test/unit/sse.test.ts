import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createSseDecoder, encodeSseEvent, type SseEvent } from '../../src/sse.ts'

function decodeChunks(chunks: Uint8Array[]): SseEvent[] {
  const events: SseEvent[] = []
  const decoder = createSseDecoder((event) => events.push(event))
  for (const chunk of chunks) decoder.push(chunk)
  decoder.end()
  return events
}

// Split `bytes` at the given cut points (any byte offset, duplicates and order ignored).
function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const chunks: Uint8Array[] = []
  let from = 0
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, point))
    from = point
  }
  return chunks
}

// Payloads as the providers and the endpoint send them: JSON text (with multi-byte characters,
// escaped newlines) or arbitrary text with raw line breaks, which the encoder turns into data lines.
const payload = fc.oneof(
  fc.string({ unit: 'grapheme' }).map((content) => JSON.stringify({ choices: [{ delta: { content } }] })),
  fc.string({ unit: fc.constantFrom('a', 'é', '語', '😀', '\n', '\r\n', ' ', ':', 'data: ') }),
)
const event = fc.record(
  { event: fc.constantFrom('delta', 'done', 'error'), data: payload },
  { requiredKeys: ['data'] },
)

describe('SSE encode/decode', () => {
  it('round-trips any events split at any byte boundary', () => {
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (events, cuts) => {
          const bytes = new TextEncoder().encode(events.map(encodeSseEvent).join(''))
          const expected = events.map((e) => ({ ...e, data: e.data.replace(/\r\n|\r/g, '\n') }))
          expect(decodeChunks(splitAt(bytes, cuts))).toEqual(expected)
        },
      ),
      { seed: 13, numRuns: 500 },
    )
  })

  it('decodes a byte-at-a-time stream of the OpenAI chunk format, [DONE] included', () => {
    const text = `${encodeSseEvent({ data: '{"choices":[{"delta":{"content":"héllo"}}]}' })}${encodeSseEvent({ data: '[DONE]' })}`
    const bytes = new TextEncoder().encode(text)
    const events = decodeChunks(Array.from(bytes, (b) => Uint8Array.of(b)))
    expect(events.map((e) => e.data)).toEqual(['{"choices":[{"delta":{"content":"héllo"}}]}', '[DONE]'])
  })

  it('drops an event whose blank line never came (a truncated stream)', () => {
    const text = `${encodeSseEvent({ data: 'one' })}data: two`
    expect(decodeChunks([new TextEncoder().encode(text)])).toEqual([{ data: 'one' }])
  })
})
