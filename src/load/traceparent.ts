// W3C Trace Context `traceparent` for each driven request (https://www.w3.org/TR/trace-context/):
// version 00, a 16-byte trace id, an 8-byte parent id, flags 01 (sampled). The endpoint continues
// this trace, so each client-side latency can be joined with its server trace by trace id.
import { randomFillSync } from 'node:crypto'
import type { Rng } from '../rng.ts'

export type Traceparent = { traceparent: string; traceId: string }

// One reusable buffer: a crypto fill of 24 bytes costs about a microsecond per request.
const bytes = new Uint8Array(24)

export function newTraceparent(rng?: Pick<Rng, 'next'>): Traceparent {
  if (rng) {
    for (let i = 0; i < bytes.length; i += 4) {
      const word = Math.floor(rng.next() * 4294967296)
      bytes[i] = word >>> 24
      bytes[i + 1] = (word >>> 16) & 0xff
      bytes[i + 2] = (word >>> 8) & 0xff
      bytes[i + 3] = word & 0xff
    }
  } else {
    randomFillSync(bytes)
  }
  // An all-zero trace id or parent id is invalid (the spec says to ignore such a header).
  if (bytes.subarray(0, 16).every((b) => b === 0)) bytes[15] = 1
  if (bytes.subarray(16, 24).every((b) => b === 0)) bytes[23] = 1
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
  const traceId = hex.slice(0, 32)
  return { traceparent: `00-${traceId}-${hex.slice(32, 48)}-01`, traceId }
}
