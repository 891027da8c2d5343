// Connection-level faults of a whole (non-streamed) response, applied after the handler has
// produced it: `reset` sends the headers and half the body, then destroys the connection;
// `truncate` declares and sends only the first half of the body, so it arrives complete but is
// not valid JSON. (A `stall` holds the response; streams apply all three in chat-stream.ts.)
import type { FailureMode } from '../scenario/schema.ts'
import type { MockReply } from './mock-handler.ts'

export type ConnectionFault = Extract<FailureMode, { kind: 'reset' | 'stall' | 'truncate' }>

export function isConnectionFault(failure: FailureMode): failure is ConnectionFault {
  return failure.kind === 'reset' || failure.kind === 'stall' || failure.kind === 'truncate'
}

export function applyConnectionFault(reply: MockReply, fault: ConnectionFault | undefined): MockReply {
  if (!fault || fault.kind === 'stall' || !('json' in reply)) return reply
  const payload = JSON.stringify(reply.json)
  // At least one byte short of the whole, so the body is never accidentally valid.
  const half = payload.slice(0, Math.max(0, Math.min(payload.length - 1, Math.floor(payload.length / 2))))
  return {
    status: reply.status,
    headers: { ...reply.headers, 'content-type': 'application/json' },
    chunks: once(half),
    ending: fault.kind === 'reset' ? 'reset' : 'end',
    ...(fault.kind === 'truncate' ? { contentLength: Buffer.byteLength(half) } : {}),
  }
}

async function* once(text: string): AsyncGenerator<string> {
  yield text
}
