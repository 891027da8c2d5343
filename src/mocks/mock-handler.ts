// A plain msw handler (`http.post(path, resolver)` in every respect: setupServer, getResponse and
// msw's tooling accept it) whose answer a mock server can also get without msw's request and
// response objects. The built-in dependency mocks are written as an `answer` (parsed JSON body
// in, status + JSON body out); the msw resolver is derived from it. On the project machine a
// mock server spent ~490 µs of CPU a call building the Fetch Request (two AbortSignals, a Blob)
// and HttpResponse.json (a Blob for its length) and reading them back, against ~150 µs for the
// node:http server itself: the fast path skips both. Any other msw handler is still served,
// through msw's own getResponse.
import { HttpHandler, HttpResponse, type JsonBodyType } from 'msw'
import { MOCK_HELD_HEADER } from '../contract/dependency-api.ts'

export type MockCall = {
  body: unknown // the parsed JSON body; undefined if it was not JSON
  params: Record<string, string>
  signal: AbortSignal // aborts when the caller goes away
  receivedAtMs: number // performance.now() at receipt: latency is held from here
}

export type MockReply =
  // `payload`, when present, is `json` already serialized: a handler that holds the call
  // serializes before the hold, so the work after it (which the caller waits for) is only the
  // write.
  | { status: number; headers?: Record<string, string>; json: JsonBodyType; payload?: string }
  | { networkError: true } // the connection fails, as HttpResponse.error() does
  | MockStreamReply

// A body written piece by piece as `chunks` yields (each piece is waited for by the handler, so
// its timing is the handler's), then ended normally or by destroying the connection.
export type MockStreamReply = {
  status: number
  headers: Record<string, string> // content-type included
  chunks: AsyncIterable<string>
  ending: 'end' | 'reset'
  // Declared length (a truncated JSON body declares what it sends); absent: chunked, with the
  // held time as a trailer.
  contentLength?: number
}

// Thrown into a Fetch body stream to fail it as a dropped connection does.
export class MockConnectionReset extends Error {
  override name = 'MockConnectionReset'
  constructor() {
    super('the mocked connection was reset mid-response')
  }
}

// The stream reply as a Fetch body (msw, in-process): each piece is enqueued when it is produced;
// a reset errors the stream, which the reader sees as a failed read, as over a socket.
function streamBody(reply: MockStreamReply): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  const iterator = reply.chunks[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next()
      if (!next.done) return controller.enqueue(encoder.encode(next.value))
      if (reply.ending === 'reset') controller.error(new MockConnectionReset())
      else controller.close()
    },
    async cancel() {
      await iterator.return?.()
    },
  })
}

export class MockHandler extends HttpHandler {
  readonly method = 'POST'
  readonly path: string
  readonly answer: (call: MockCall) => Promise<MockReply>

  constructor(path: string, answer: (call: MockCall) => Promise<MockReply>) {
    super('POST', path, async ({ request, params }) => {
      const receivedAtMs = performance.now()
      const reply = await answer({
        body: await request.json().catch(() => undefined),
        params: stringParams(params),
        signal: request.signal,
        receivedAtMs,
      })
      if ('networkError' in reply) return HttpResponse.error()
      if ('chunks' in reply) {
        return new HttpResponse(streamBody(reply), { status: reply.status, headers: reply.headers })
      }
      const headers = { ...reply.headers, [MOCK_HELD_HEADER]: (performance.now() - receivedAtMs).toFixed(3) }
      if (reply.payload === undefined) return HttpResponse.json(reply.json, { status: reply.status, headers })
      return new HttpResponse(reply.payload, {
        status: reply.status,
        headers: { ...headers, 'content-type': 'application/json' },
      })
    })
    this.path = path
    this.answer = answer
  }
}

export function mockPost(path: string, answer: (call: MockCall) => Promise<MockReply>): MockHandler {
  return new MockHandler(path, answer)
}

function stringParams(
  params: Record<string, string | readonly string[] | undefined>,
): Record<string, string> {
  const result: Record<string, string> = {}
  for (const [key, value] of Object.entries(params)) {
    if (typeof value === 'string') result[key] = value
  }
  return result
}
