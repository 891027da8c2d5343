// An OTLP/HTTP trace receiver (POST /v1/traces) on loopback: what a team's service exports its
// spans to during a run. Answers as the OTLP specification (opentelemetry-proto v1.11.0,
// docs/specification.md, "OTLP/HTTP") says: 200 with an ExportTraceServiceResponse in the
// request's encoding (partial_success when some spans could not be read), 400 with a
// google.rpc.Status for a body that cannot be decoded, 413 for a body over the limit (counted
// after decompression too), 415 for an encoding it does not speak, 503 with Retry-After when too
// many exports are being read at once. Memory stays bounded: at most maxConcurrentExports bodies
// of at most maxBodyBytes each are held, and the spans go straight to `onSpans`.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { hrtimeToMs } from '../../units.ts'
import { convertExport, MalformedExportError } from './received-span.ts'
import { decodeExportRequest, ExportTraceServiceResponse, RpcStatus } from './trace-proto.ts'

const gunzip = promisify(zlib.gunzip)

// The spec recommends 64 MiB; a run's exports are batches of at most a few thousand spans (a few
// MB), so 16 MiB leaves room for any sane batch while 4 concurrent bodies stay under 64 MiB.
export const DEFAULT_MAX_BODY_BYTES = 16 * 2 ** 20
export const DEFAULT_MAX_CONCURRENT_EXPORTS = 4
export const OTLP_TRACES_PATH = '/v1/traces'

export type OtlpReceiverCounters = {
  exports_accepted: number
  spans_accepted: number
  spans_rejected: number // unreadable spans inside accepted exports (partial success)
  malformed: number // 400
  too_large: number // 413
  unsupported: number // 404, 405, 415
  overloaded: number // 503
  bytes_received: number
}

export type OtlpReceiverOptions = {
  // Called with each export's spans in the order they ended (the collector closes a trace at its
  // server span, and an SDK groups an export by instrumentation scope, not by end time).
  onSpans(spans: ReadableSpan[]): void
  maxBodyBytes?: number
  maxConcurrentExports?: number
  port?: number // on 127.0.0.1; 0 (default): any free port
}

export type OtlpReceiver = {
  port: number
  // The base URL for OTEL_EXPORTER_OTLP_ENDPOINT (the SDKs append /v1/traces).
  endpoint: string
  counters: OtlpReceiverCounters
  close(): Promise<void>
}

type Encoding = 'protobuf' | 'json'
type Reply = { status: number; body: Uint8Array | string; encoding: Encoding | 'text'; retryAfterS?: number }

function newCounters(): OtlpReceiverCounters {
  return {
    exports_accepted: 0,
    spans_accepted: 0,
    spans_rejected: 0,
    malformed: 0,
    too_large: 0,
    unsupported: 0,
    overloaded: 0,
    bytes_received: 0,
  }
}

function sendReply(response: http.ServerResponse, reply: Reply, closeConnection = false): void {
  if (response.headersSent) return
  response.writeHead(reply.status, {
    'content-type':
      reply.encoding === 'protobuf'
        ? 'application/x-protobuf'
        : reply.encoding === 'json'
          ? 'application/json'
          : 'text/plain; charset=utf-8',
    ...(reply.retryAfterS !== undefined ? { 'retry-after': String(reply.retryAfterS) } : {}),
    ...(closeConnection ? { connection: 'close' } : {}),
  })
  response.end(reply.body)
}

// A request refused before its body is read: counted, answered, and a body over the limit is
// not read at all (the connection is closed).
function refuse(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  refused: Reply,
  counters: OtlpReceiverCounters,
): void {
  if (refused.status === 413) counters.too_large++
  else if (refused.status === 503) counters.overloaded++
  else counters.unsupported++
  sendReply(response, refused, refused.status === 413)
  if (refused.status === 413) request.destroy()
  else request.resume()
}

type ExportContext = {
  maxBodyBytes: number
  counters: OtlpReceiverCounters
  onSpans: OtlpReceiverOptions['onSpans']
}

async function receiveExport(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  encoding: Encoding,
  { maxBodyBytes, counters, onSpans }: ExportContext,
): Promise<void> {
  try {
    const raw = await readBody(request, maxBodyBytes)
    if (raw === undefined) {
      counters.too_large++
      sendReply(response, errorReply(413, `export body over ${maxBodyBytes} bytes`, encoding), true)
      return
    }
    counters.bytes_received += raw.length
    const reply = await handleExport(raw, request.headers['content-encoding'], encoding, maxBodyBytes)
    if (reply.status === 200) accept(reply, counters, onSpans)
    else if (reply.status === 413) counters.too_large++
    else counters.malformed++
    sendReply(response, reply.reply)
  } catch {
    counters.malformed++
    sendReply(response, errorReply(400, 'the export body could not be read', encoding))
  }
}

export async function startOtlpReceiver(options: OtlpReceiverOptions): Promise<OtlpReceiver> {
  const context: ExportContext = {
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    counters: newCounters(),
    onSpans: options.onSpans,
  }
  const maxConcurrent = options.maxConcurrentExports ?? DEFAULT_MAX_CONCURRENT_EXPORTS
  let reading = 0
  const server = http.createServer((request, response) => {
    const refused = admit(request, context.maxBodyBytes, reading >= maxConcurrent)
    if (refused) return refuse(request, response, refused, context.counters)
    reading++
    void receiveExport(request, response, encodingOf(request.headers['content-type'])!, context).finally(
      () => {
        reading--
      },
    )
  })
  // A slow or stuck exporter must not hold a connection (and its buffered body) for ever.
  server.requestTimeout = 30_000
  server.headersTimeout = 10_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    counters: context.counters,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

// Refuses a request before its body is read; undefined when it may be read.
function admit(request: http.IncomingMessage, maxBodyBytes: number, busy: boolean): Reply | undefined {
  const path = (request.url ?? '').split('?')[0]
  if (path !== OTLP_TRACES_PATH) {
    return { status: 404, body: `Only ${OTLP_TRACES_PATH} is served here.`, encoding: 'text' }
  }
  if (request.method !== 'POST') return { status: 405, body: 'Use POST.', encoding: 'text' }
  const encoding = encodingOf(request.headers['content-type'])
  if (!encoding) {
    return {
      status: 415,
      body: 'Send application/x-protobuf or application/json (OTLP/HTTP).',
      encoding: 'text',
    }
  }
  const contentEncoding = request.headers['content-encoding']
  if (contentEncoding !== undefined && contentEncoding !== 'gzip' && contentEncoding !== 'identity') {
    return { status: 415, body: `Content-Encoding ${contentEncoding} is not supported.`, encoding: 'text' }
  }
  const declared = Number(request.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBodyBytes) {
    return errorReply(413, `export body of ${declared} bytes over the ${maxBodyBytes}-byte limit`, encoding)
  }
  if (busy) return { ...errorReply(503, 'too many exports in flight', encoding), retryAfterS: 1 }
  return undefined
}

function encodingOf(contentType: string | undefined): Encoding | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  if (type === 'application/x-protobuf') return 'protobuf'
  if (type === 'application/json') return 'json'
  return undefined
}

// The body, or undefined once it passes the limit (the rest is discarded, not buffered).
function readBody(request: http.IncomingMessage, maxBodyBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let over = false
    request.on('data', (chunk: Buffer) => {
      if (over) return
      size += chunk.length
      if (size > maxBodyBytes) {
        over = true
        chunks.length = 0
        resolve(undefined)
        return
      }
      chunks.push(chunk)
    })
    request.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks, size))
    })
    request.on('error', reject)
  })
}

type Handled =
  | { status: 200; reply: Reply; spans: ReadableSpan[]; rejected: number }
  | { status: 400 | 413; reply: Reply }

async function handleExport(
  raw: Buffer,
  contentEncoding: string | undefined,
  encoding: Encoding,
  maxBodyBytes: number,
): Promise<Handled> {
  let body: Buffer
  if (contentEncoding === 'gzip') {
    try {
      body = await gunzip(raw, { maxOutputLength: maxBodyBytes })
    } catch (error) {
      if (
        error instanceof RangeError ||
        (error instanceof Error && 'code' in error && error.code === 'ERR_BUFFER_TOO_LARGE')
      ) {
        return {
          status: 413,
          reply: errorReply(413, `export body over ${maxBodyBytes} bytes after decompression`, encoding),
        }
      }
      return { status: 400, reply: errorReply(400, 'the body is not valid gzip', encoding) }
    }
  } else {
    body = raw
  }
  let converted: ReturnType<typeof convertExport>
  try {
    const decoded = encoding === 'protobuf' ? decodeExportRequest(body) : JSON.parse(body.toString('utf8'))
    converted = convertExport(decoded)
  } catch (error) {
    const why =
      error instanceof MalformedExportError
        ? error.message
        : encoding === 'protobuf'
          ? 'not a protobuf ExportTraceServiceRequest'
          : 'not valid JSON'
    return { status: 400, reply: errorReply(400, `Failed to decode the export: ${why}.`, encoding) }
  }
  const partial =
    converted.rejected > 0
      ? {
          rejectedSpans: converted.rejected,
          errorMessage: `${converted.rejected} spans rejected: ${converted.problem}`,
        }
      : undefined
  return {
    status: 200,
    spans: converted.spans,
    rejected: converted.rejected,
    reply: successReply(partial, encoding),
  }
}

function accept(
  handled: Extract<Handled, { status: 200 }>,
  counters: OtlpReceiverCounters,
  onSpans: (spans: ReadableSpan[]) => void,
): void {
  counters.exports_accepted++
  counters.spans_accepted += handled.spans.length
  counters.spans_rejected += handled.rejected
  const spans = handled.spans
  spans.sort((a, b) => hrtimeToMs(a.endTime) - hrtimeToMs(b.endTime))
  onSpans(spans)
}

function successReply(
  partial: { rejectedSpans: number; errorMessage: string } | undefined,
  encoding: Encoding,
): Reply {
  if (encoding === 'json') {
    // OTLP/JSON spells 64-bit integers as decimal strings.
    const body = partial
      ? {
          partialSuccess: {
            rejectedSpans: String(partial.rejectedSpans),
            errorMessage: partial.errorMessage,
          },
        }
      : {}
    return { status: 200, body: JSON.stringify(body), encoding }
  }
  const message = ExportTraceServiceResponse.fromObject(partial ? { partialSuccess: partial } : {})
  return { status: 200, body: ExportTraceServiceResponse.encode(message).finish(), encoding }
}

// google.rpc.Status in the request's encoding (the spec leaves Status.code unused).
function errorReply(status: number, message: string, encoding: Encoding): Reply {
  if (encoding === 'json') return { status, body: JSON.stringify({ message }), encoding }
  return { status, body: RpcStatus.encode(RpcStatus.fromObject({ message })).finish(), encoding }
}
