// The traced RAG service under test: node:http (no framework: nothing between the socket and
// the spans that we would have to account for), POST /ask and GET /healthz.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Context, ROOT_CONTEXT, type Span, SpanKind, type Tracer, trace } from '@opentelemetry/api'
import { DEPENDENCY_PATHS } from '../contract/dependency-api.ts'
import { SPAN } from '../contract/span-names.ts'
import { createRng, deriveSeed } from '../rng.ts'
import { LIMITS } from '../scenario/schema.ts'
import { propagator } from '../telemetry/tracer-provider.ts'
import { DependencyError } from './dependency-error.ts'
import { Gateway } from './gateway.ts'
import { type AskRequest, type PipelineOptions, RagPipeline } from './rag-pipeline.ts'
import { spanNow } from './span-time.ts'
import { isEventStream, writeDelta, writeDone, writeErrorEvent } from './sse-answer.ts'
import { markError } from './traced-stage.ts'

export const MAX_BODY_BYTES = 64 * 1024
// Headers must arrive within this (a slowloris sending one header byte a second holds nothing).
export const HEADERS_TIMEOUT_MS = 10_000
// More than any scenario may open (closed-model connections, open-model in-flight requests), with
// room for a person's curl; beyond it Node closes new sockets at once.
export const MAX_OPEN_CONNECTIONS = Math.max(LIMITS.connections, LIMITS.inFlight) + 100

export type EndpointOptions = PipelineOptions & {
  seed: number
  tenants: Record<string, { rate_limit?: { ratePerSec: number; burst: number } | undefined }>
  tracer: Tracer
}

export type Endpoint = {
  server: Server
  listen(port?: number, host?: string): Promise<AddressInfo>
  close(): Promise<void>
  readonly inFlight: number
  readonly requestsServed: number // responses finished on POST /ask, whatever their status
  // The overhead calibration arm: a known CPU cost per request (see RagPipeline).
  setCalibrationCostUs(microseconds: number): void
  // Overhead trials: empty the embedding cache (see RagPipeline.clearCache).
  clearCache(): void
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

const headerGetter = {
  keys: (carrier: IncomingMessage['headers']) => Object.keys(carrier),
  get: (carrier: IncomingMessage['headers'], key: string) => carrier[key],
}

export function createEndpoint(options: EndpointOptions): Endpoint {
  const { tracer } = options
  const rng = createRng(deriveSeed(options.seed, 'endpoint-retry-jitter'))
  const pipeline = new RagPipeline(options, tracer, rng)
  const gateway = new Gateway(tracer, options.tenants)
  const ask: AskServices = { options, pipeline, gateway }
  let inFlight = 0
  let requestsServed = 0

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/healthz') return handleHealthz(req, res)
    const route = path === '/ask' ? '/ask' : undefined
    const parent = propagator.extract(ROOT_CONTEXT, req.headers, headerGetter)
    const span = startServerSpan(tracer, req, path, route, parent)
    res.setHeader('x-trace-id', span.spanContext().traceId)
    inFlight++
    try {
      if (!route)
        throw new HttpError(404, `Failed to route ${req.method} ${path}: no such route. Use POST /ask.`)
      if (req.method !== 'POST') throw new HttpError(405, 'Use POST /ask.', { allow: 'POST' })
      await handleAsk(ask, req, res, parent, span)
    } catch (error) {
      const httpError = toHttpError(error)
      // Server spans mark 5xx as errors; 4xx are the client's problem (HTTP semantic conventions).
      if (httpError.status >= 500) markError(span, error)
      else span.setAttribute('error.type', String(httpError.status))
      sendError(res, httpError, span.spanContext().traceId)
    } finally {
      span.setAttribute('http.response.status_code', res.statusCode)
      span.end(spanNow())
      inFlight--
      requestsServed++
    }
  }

  const server = createHttpServer(handle, options.pipeline.deadlineMs)

  return {
    server,
    get inFlight() {
      return inFlight
    },
    get requestsServed() {
      return requestsServed
    },
    setCalibrationCostUs: (microseconds) => pipeline.setCalibrationCostUs(microseconds),
    clearCache: () => pipeline.clearCache(),
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => resolve(server.address() as AddressInfo))
      })
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
    },
  }
}

function createHttpServer(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  deadlineMs: number,
): Server {
  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      // Unreachable by design (handle catches everything); never crash the service.
      console.error(`[endpoint] unhandled error: ${String(error)}`)
      if (!res.headersSent) sendError(res, new HttpError(500, 'Internal error.'))
    })
  })
  server.keepAliveTimeout = 30_000
  server.headersTimeout = HEADERS_TIMEOUT_MS
  // Node's default is 300 s for the whole request; ours ends the body read at the pipeline
  // deadline (408, in readBody), so this is only the backstop.
  server.requestTimeout = deadlineMs + HEADERS_TIMEOUT_MS
  server.maxConnections = MAX_OPEN_CONNECTIONS
  return server
}

function handleHealthz(req: IncomingMessage, res: ServerResponse): void {
  if (req.method === 'HEAD') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end()
  } else if (req.method !== 'GET') {
    sendError(res, new HttpError(405, 'Use GET or HEAD /healthz.', { allow: 'GET, HEAD' }))
  } else sendJson(res, 200, { status: 'ok' })
}

function startServerSpan(
  tracer: Tracer,
  req: IncomingMessage,
  path: string | undefined,
  route: string | undefined,
  parent: Context,
): Span {
  return tracer.startSpan(
    route ? SPAN.server : (req.method ?? 'HTTP'),
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': req.method ?? '',
        'url.path': path ?? '/',
        ...(route ? { 'http.route': route } : {}),
        'network.protocol.version': req.httpVersion,
      },
      startTime: spanNow(),
    },
    parent,
  )
}

type AskServices = { options: EndpointOptions; pipeline: RagPipeline; gateway: Gateway }

async function handleAsk(
  services: AskServices,
  req: IncomingMessage,
  res: ServerResponse,
  parent: Context,
  span: Span,
): Promise<void> {
  const { options, pipeline, gateway } = services
  const ctx = trace.setSpan(parent, span)
  const deadlineAt = performance.now() + options.pipeline.deadlineMs
  const apiKey = bearerToken(req.headers.authorization)
  if (!apiKey)
    throw new HttpError(401, 'Failed to authenticate: no bearer token. Send Authorization: Bearer <api key>.')
  if (!isJson(req.headers['content-type'])) {
    req.resume()
    throw new HttpError(
      415,
      `Failed to read the body: content-type ${JSON.stringify(req.headers['content-type'] ?? '(none)')} is not JSON. Send content-type: application/json.`,
    )
  }
  const ask = parseAsk(await readBody(req, deadlineAt))
  span.setAttribute('tenant_id', ask.tenantId)

  const auth = await gateway.authenticate(ctx, apiKey, ask.tenantId, (stageCtx) => ({
    context: pipeline.callContext(stageCtx),
    request: pipeline.dependencyCall('auth', DEPENDENCY_PATHS.auth, null, deadlineAt),
  }))
  if (!auth.ok) throw new HttpError(auth.status, auth.message)
  const rate = gateway.rateLimit(ctx, ask.tenantId)
  if (!rate.ok) {
    throw new HttpError(
      429,
      `Failed to accept the request: tenant "${ask.tenantId}" is over its rate limit. Retry later.`,
      {
        'retry-after': String(Math.max(1, Math.ceil(rate.retryAfterMs / 1000))),
      },
    )
  }
  const traceId = span.spanContext().traceId
  if (ask.stream) {
    const answer = await pipeline.run(ctx, ask, deadlineAt, (text) => writeDelta(res, text))
    return writeDone(res, {
      trace_id: traceId,
      usage: answer.usage ?? null,
      citations: answer.sources,
      answer_chars: answer.answer.length,
    })
  }
  const answer = await pipeline.run(ctx, ask, deadlineAt)
  sendJson(res, 200, { ...answer, trace_id: traceId })
}

function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error
  if (error instanceof DependencyError) {
    const headers: Record<string, string> =
      error.kind === 'rate_limited'
        ? { 'retry-after': String(Math.max(1, Math.ceil((error.details.retryAfterMs ?? 1000) / 1000))) }
        : {}
    return new HttpError(
      error.responseStatus,
      `Failed to answer: ${error.message} (${error.errorType}).`,
      headers,
    )
  }
  return new HttpError(500, `Failed to answer: ${(error as Error)?.message ?? String(error)}.`)
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')
  return match?.[1]
}

// application/json, with parameters (charset) or a +json suffix (RFC 6839).
function isJson(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  return type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type)
}

// The body must arrive by the pipeline deadline: a 1-byte drip would otherwise hold the
// connection (and a slot of the connection cap) for as long as it likes.
function readBody(req: IncomingMessage, deadlineAt: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => {
        req.removeAllListeners('data')
        req.resume()
        reject(
          new HttpError(408, 'Failed to read the body: it did not arrive before the request deadline.', {
            connection: 'close',
          }),
        )
      },
      Math.max(0, deadlineAt - performance.now()),
    )
    req.once('close', () => clearTimeout(timer))
    req.once('end', () => clearTimeout(timer))
    const declared = Number(req.headers['content-length'])
    if (declared > MAX_BODY_BYTES) {
      req.resume()
      return reject(
        new HttpError(
          413,
          `Failed to read the body: ${declared} bytes is over the ${MAX_BODY_BYTES}-byte limit.`,
        ),
      )
    }
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data')
        req.resume()
        reject(new HttpError(413, `Failed to read the body: it is over the ${MAX_BODY_BYTES}-byte limit.`))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function parseAsk(text: string): AskRequest {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new HttpError(
      400,
      'Failed to parse the body: it is not valid JSON. Send {"tenant_id": "...", "question": "..."}.',
    )
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'Failed to read the body: expected a JSON object with tenant_id and question.')
  }
  const b = body as Record<string, unknown>
  const problems: string[] = []
  if (typeof b.tenant_id !== 'string' || b.tenant_id === '')
    problems.push('tenant_id: expected a non-empty string')
  if (typeof b.question !== 'string' || b.question === '')
    problems.push('question: expected a non-empty string')
  if (b.k !== undefined && !(Number.isInteger(b.k) && (b.k as number) >= 1 && (b.k as number) <= LIMITS.k)) {
    problems.push(`k: expected an integer from 1 to ${LIMITS.k}`)
  }
  if (b.rerank !== undefined && typeof b.rerank !== 'boolean') problems.push('rerank: expected true or false')
  if (b.stream !== undefined && typeof b.stream !== 'boolean') problems.push('stream: expected true or false')
  if (problems.length > 0) throw new HttpError(400, `Failed to read the body: ${problems.join('; ')}.`)
  return {
    tenantId: b.tenant_id as string,
    question: b.question as string,
    k: b.k as number | undefined,
    rerank: b.rerank as boolean | undefined,
    ...(b.stream === true ? { stream: true } : {}),
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) })
  res.end(payload)
}

function sendError(res: ServerResponse, error: HttpError, traceId?: string): void {
  if (res.headersSent) {
    // A streamed answer that fails after its first delta ends with an SSE error event.
    if (isEventStream(res)) writeErrorEvent(res, error.status, error.message, traceId)
    else res.end()
    return
  }
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value)
  sendJson(res, error.status, {
    error: { status: error.status, message: error.message },
    ...(traceId ? { trace_id: traceId } : {}),
  })
}
