// Serves msw handlers over real HTTP/1.1 (keep-alive) on a loopback port: the mocks run as
// servers outside the measured process, and the endpoint reaches them through a production
// client, as it would reach the real providers. Handlers made with `mockPost` are answered on
// the fast path (route matched here, JSON in and out, no Fetch objects: see mock-handler.ts);
// any other msw handler goes through msw's public `getResponse`, so a team can drop in handlers
// written for setupServer (streamed bodies included).
//
// Each response says how long the server really held the request (`x-mock-held-ms`: receipt of
// the request head to the moment the last byte is handed to the socket, on this process's
// clock), beside the latency the handler drew (`x-mock-delay-ms`): held − drawn is the mock's
// own lateness, span − held the transport's and client's share. A streamed body (no
// content-length) carries the held time as an HTTP trailer, since it is known only at the end.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getResponse, type HttpHandler } from 'msw'
import { MOCK_DELAY_HEADER, MOCK_HELD_HEADER } from '../contract/dependency-api.ts'
import { MockHandler, type MockReply, type MockStreamReply } from './mock-handler.ts'

export type MockListener = { port: number; origin: string; server: Server; close(): Promise<void> }

// A call answered with a 2xx and a drawn latency, as the mock-call log (mock-call-log.ts) needs it.
export type AnsweredCall = { traceparent: string | string[] | undefined; drawnMs: number; heldMs: number }
type OnCall = ((call: AnsweredCall) => void) | undefined

// Requests to a mock are the endpoint's own small JSON bodies; anything larger is a bug (or a
// hostile client) and is refused rather than buffered.
const MAX_BODY_BYTES = 8 * 2 ** 20

type Route = { handler: MockHandler; segments: string[] }

export async function serveHandlers(
  handlers: HttpHandler[],
  options: { port?: number; host?: string; onCall?: (call: AnsweredCall) => void } = {},
): Promise<MockListener> {
  const routes: Route[] = handlers.flatMap((handler) =>
    handler instanceof MockHandler ? [{ handler, segments: pathSegments(handler.path) }] : [],
  )
  const general = handlers.filter((handler) => !(handler instanceof MockHandler))
  const server = createServer({ keepAlive: true }, (req, res) => {
    const receivedMs = performance.now()
    void handle(req, res, receivedMs).catch((error: unknown) => failResponse(res, error))
  })

  async function handle(req: IncomingMessage, res: ServerResponse, receivedMs: number): Promise<void> {
    const controller = new AbortController()
    res.once('close', () => {
      if (!res.writableFinished) controller.abort()
    })
    const body = await readBody(req)
    const match = matchRoute(routes, req.method ?? 'GET', (req.url ?? '/').split('?')[0]!)
    if (match) {
      const reply = await match.route.handler.answer({
        body: parseJson(body),
        params: match.params,
        signal: controller.signal,
        receivedAtMs: receivedMs,
      })
      return writeReply(res, reply, receivedMs, answered(req, options.onCall))
    }
    const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers: headersOf(req),
      ...(body.length > 0 ? { body } : {}),
      signal: controller.signal,
    })
    const response = general.length > 0 ? await getResponse(general, request) : undefined
    await writeResponse(res, response ?? unhandled(request), receivedMs, answered(req, options.onCall))
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  return {
    port,
    origin: `http://${options.host ?? '127.0.0.1'}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

// Mocks are strict: a request no handler answers is an error the caller sees, never a silent 200.
function unhandled(request: Request): Response {
  return Response.json(
    {
      error: {
        message: `No mock handles ${request.method} ${new URL(request.url).pathname}. Check the dependency's base URL and path.`,
        type: 'not_found_error',
      },
    },
    { status: 404 },
  )
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    return undefined
  }
}

// Reports a 2xx that carried a drawn latency to onCall (nothing to do without one).
function answered(req: IncomingMessage, onCall: OnCall) {
  if (!onCall) return undefined
  return (status: number, drawn: string | undefined, heldMs: number) => {
    const drawnMs = Number(drawn)
    if (status < 200 || status >= 300 || drawn === undefined || !Number.isFinite(drawnMs)) return
    onCall({ traceparent: req.headers.traceparent, drawnMs, heldMs })
  }
}
type Answered = ReturnType<typeof answered>

async function writeReply(
  res: ServerResponse,
  reply: MockReply,
  receivedMs: number,
  done: Answered,
): Promise<void> {
  if ('networkError' in reply) return void res.destroy()
  if (res.destroyed) return
  if ('chunks' in reply) return writeStreamReply(res, reply, receivedMs, done)
  const payload = reply.payload ?? JSON.stringify(reply.json)
  const heldMs = performance.now() - receivedMs
  res.writeHead(reply.status, {
    ...reply.headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    [MOCK_HELD_HEADER]: heldMs.toFixed(3),
  })
  res.end(payload)
  done?.(reply.status, reply.headers?.[MOCK_DELAY_HEADER], heldMs)
}

// Each piece is handed to the socket as soon as the handler yields it (no Nagle delay on
// loopback: Node's http server sets noDelay). A reset destroys the socket after the last piece.
async function writeStreamReply(
  res: ServerResponse,
  reply: MockStreamReply,
  receivedMs: number,
  done: Answered,
): Promise<void> {
  const declared = reply.contentLength !== undefined
  res.writeHead(reply.status, {
    ...reply.headers,
    ...(declared ? { 'content-length': reply.contentLength } : { trailer: MOCK_HELD_HEADER }),
  })
  res.flushHeaders()
  let written: Promise<unknown> = Promise.resolve()
  for await (const chunk of reply.chunks) {
    if (res.destroyed) return
    written = new Promise((resolve) => res.write(chunk, resolve))
  }
  // What was sent before the reset reaches the caller, as over a real connection that drops
  // after the provider wrote it.
  if (reply.ending === 'reset') return void written.then(() => res.destroy())
  const heldMs = performance.now() - receivedMs
  if (!declared) res.addTrailers({ [MOCK_HELD_HEADER]: heldMs.toFixed(3) })
  res.end()
  done?.(reply.status, reply.headers[MOCK_DELAY_HEADER], heldMs)
}

function failResponse(res: ServerResponse, error: unknown): void {
  if (res.headersSent) return void res.destroy()
  const message = error instanceof Error ? error.message : String(error)
  res.writeHead(500, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ error: { message: `The mock failed: ${message}`, type: 'server_error' } }))
}

async function writeResponse(
  res: ServerResponse,
  response: Response,
  receivedMs: number,
  done: Answered,
): Promise<void> {
  // HttpResponse.error(): the connection fails, as a network error does.
  if (response.type === 'error') return void res.destroy()
  if (res.destroyed) return
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    headers[name] = value
  })
  if (response.body === null || headers['content-length'] !== undefined) {
    const body = response.body === null ? undefined : Buffer.from(await response.arrayBuffer())
    if (res.destroyed) return
    const heldMs = performance.now() - receivedMs
    headers[MOCK_HELD_HEADER] = heldMs.toFixed(3)
    res.writeHead(response.status, headers)
    res.end(body)
    done?.(response.status, headers[MOCK_DELAY_HEADER], heldMs)
    return
  }
  // Streamed: each chunk goes out as the handler produces it.
  res.writeHead(response.status, { ...headers, trailer: MOCK_HELD_HEADER })
  for await (const chunk of response.body) {
    if (res.destroyed) return
    res.write(chunk)
  }
  const heldMs = performance.now() - receivedMs
  res.addTrailers({ [MOCK_HELD_HEADER]: heldMs.toFixed(3) })
  res.end()
  done?.(response.status, headers[MOCK_DELAY_HEADER], heldMs)
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        req.destroy()
        reject(new RangeError(`request body over ${MAX_BODY_BYTES} bytes`))
      } else chunks.push(chunk)
    })
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    req.once('error', reject)
  })
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers()
  const raw = req.rawHeaders
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!)
  return headers
}

// A route's path as segments; `:name` segments capture (msw's path syntax, without wildcards).
function pathSegments(path: string): string[] {
  const pathname = /^[a-z]+:\/\//i.test(path) ? new URL(path).pathname : path
  return pathname.split('/')
}

function matchRoute(
  routes: Route[],
  method: string,
  pathname: string,
): { route: Route; params: Record<string, string> } | undefined {
  const segments = pathname.split('/')
  for (const route of routes) {
    if (route.handler.method !== method || route.segments.length !== segments.length) continue
    const params: Record<string, string> = {}
    let matched = true
    for (let i = 0; i < segments.length; i++) {
      const pattern = route.segments[i]!
      if (pattern.startsWith(':')) params[pattern.slice(1)] = decodeURIComponent(segments[i]!)
      else if (pattern !== segments[i]) {
        matched = false
        break
      }
    }
    if (matched) return { route, params }
  }
  return undefined
}
