import { gzipSync } from 'node:zlib'
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api'
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { afterEach, describe, expect, it } from 'vitest'
import { type OtlpReceiver, startOtlpReceiver } from '../../../../src/telemetry/otlp/otlp-receiver.ts'
import {
  ExportTraceServiceRequest,
  ExportTraceServiceResponse,
  RpcStatus,
} from '../../../../src/telemetry/otlp/trace-proto.ts'
import { StageCollector } from '../../../../src/telemetry/stage-collector.ts'
import { toTraceRecord } from '../../../../src/telemetry/trace-record.ts'

const REMOTE_TRACE = '0af7651916cd43dd8448eb211c80319c'
const REMOTE_PARENT = 'b7ad6b7169203331'

// The fields a span record is built from, in one comparable shape.
function shape(span: ReadableSpan) {
  const parent = span.parentSpanContext
  return {
    name: span.name,
    kind: span.kind,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: parent?.spanId ?? null,
    parentIsRemote: parent ? Boolean(parent.isRemote) : null,
    startTime: span.startTime,
    endTime: span.endTime,
    duration: span.duration,
    status: { code: span.status.code, message: span.status.message ?? '' },
    attributes: span.attributes,
    events: span.events.map((e) => ({ name: e.name, time: e.time, attributes: e.attributes ?? {} })),
  }
}

// A small trace as a service would make it: a server span continuing the load driver's
// traceparent, an internal stage with every attribute type and an event, a failed client call.
function makeSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] })
  const tracer = provider.getTracer('test-service', '1.2.3')
  const remote = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: REMOTE_TRACE,
    spanId: REMOTE_PARENT,
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  })
  const server = tracer.startSpan('POST /chat', { kind: SpanKind.SERVER }, remote)
  const inServer = trace.setSpan(context.active(), server)
  const stage = tracer.startSpan(
    'retrieve',
    { attributes: { 'db.system': 'qdrant', top_k: 8, score: 0.75, hit: true, tags: ['a', 'b'] } },
    inServer,
  )
  stage.addEvent('cache_miss', { key: 'q1' })
  stage.end()
  const call = tracer.startSpan('POST', { kind: SpanKind.CLIENT }, trace.setSpan(inServer, stage))
  call.setAttribute('http.response.status_code', 503)
  call.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream unavailable' })
  call.end()
  server.end()
  return memory.getFinishedSpans()
}

let receiver: OtlpReceiver | undefined
afterEach(async () => {
  await receiver?.close()
  receiver = undefined
})

async function receive(options: { maxBodyBytes?: number } = {}) {
  const received: ReadableSpan[] = []
  receiver = await startOtlpReceiver({ onSpans: (spans) => received.push(...spans), ...options })
  return { receiver, received }
}

function exportWith(exporter: JsonExporter | ProtoExporter, spans: ReadableSpan[]): Promise<number> {
  return new Promise((resolve) => exporter.export(spans, (result) => resolve(result.code)))
}

const byName = (spans: ReadableSpan[]) => [...spans].sort((a, b) => a.name.localeCompare(b.name)).map(shape)

describe('OTLP receiver with the official exporters', () => {
  for (const [label, make] of [
    ['protobuf', (url: string) => new ProtoExporter({ url })],
    ['protobuf, gzip', (url: string) => new ProtoExporter({ url, compression: 'gzip' as never })],
    ['JSON', (url: string) => new JsonExporter({ url })],
    ['JSON, gzip', (url: string) => new JsonExporter({ url, compression: 'gzip' as never })],
  ] as const) {
    it(`${label}: the received spans equal the spans the SDK exported`, async () => {
      const spans = makeSpans()
      const { receiver, received } = await receive()
      const exporter = make(`${receiver.endpoint}/v1/traces`)
      expect(await exportWith(exporter, spans)).toBe(0) // ExportResultCode.SUCCESS
      await exporter.shutdown()
      expect(byName(received)).toEqual(byName(spans))
      expect(receiver.counters).toMatchObject({ exports_accepted: 1, spans_accepted: 3, malformed: 0 })
      // The server span's parent is the driver's span in another process: the record's root.
      const record = toTraceRecord(received, 'sample')
      expect(record.trace_id).toBe(REMOTE_TRACE)
      expect(record.spans.find((s) => s.name === 'POST /chat')!.parent_span_id).toBeNull()
    })
  }

  it('feeds the StageCollector: stages, errors and a whole trace, the same through either encoding', async () => {
    const spans = makeSpans()
    const results = []
    for (const make of [
      (url: string) => new ProtoExporter({ url }),
      (url: string) => new JsonExporter({ url }),
    ]) {
      const collector = new StageCollector({ seed: 1 })
      collector.startMeasuring(0)
      receiver = await startOtlpReceiver({
        onSpans: (s) => {
          for (const span of s) collector.onReceived(span)
        },
      })
      const exporter = make(`${receiver.endpoint}/v1/traces`)
      await exportWith(exporter, spans)
      await exporter.shutdown()
      await receiver.close()
      receiver = undefined
      results.push(collector.results())
    }
    for (const r of results) {
      expect(Object.keys(r.stages).sort()).toEqual(['POST', 'POST /chat', 'retrieve'])
      expect(r.stages.POST!.error_count).toBe(1)
      expect(r.counters).toMatchObject({ spans_started: 3, spans_ended: 3, server_spans: 1 })
      expect(r.exemplars.length).toBeGreaterThan(0)
    }
    expect(results[0]!.exemplars).toEqual(results[1]!.exemplars)
    expect(results[0]!.stages).toEqual(results[1]!.stages)
  })
})

// OTLP/JSON as the specification spells it: hex ids, decimal-string nanoseconds, enums as numbers.
const jsonExport = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'py-rag' } }] },
      scopeSpans: [
        {
          scope: { name: 'manual' },
          spans: [
            {
              traceId: '5B8EFFF798038103D269B633813FC60C',
              spanId: 'eee19b7ec3c1b174',
              parentSpanId: 'eee19b7ec3c1b173',
              name: 'vector_search',
              kind: 1,
              startTimeUnixNano: '1700000000000000000',
              endTimeUnixNano: '1700000000042500000',
              attributes: [
                { key: 'top_k', value: { intValue: '8' } },
                { key: 'ratio', value: { doubleValue: 0.5 } },
              ],
              status: { code: 2, message: 'timeout' },
            },
          ],
        },
      ],
    },
  ],
}

function protoExport(): Uint8Array {
  const span = jsonExport.resourceSpans[0]!.scopeSpans[0]!.spans[0]!
  const message = ExportTraceServiceRequest.fromObject({
    resourceSpans: [
      {
        resource: jsonExport.resourceSpans[0]!.resource,
        scopeSpans: [
          {
            scope: { name: 'manual' },
            spans: [
              {
                ...span,
                traceId: Buffer.from(span.traceId, 'hex'),
                spanId: Buffer.from(span.spanId, 'hex'),
                parentSpanId: Buffer.from(span.parentSpanId, 'hex'),
              },
            ],
          },
        ],
      },
    ],
  })
  return ExportTraceServiceRequest.encode(message).finish()
}

async function post(body: Uint8Array | string, headers: Record<string, string>, path = '/v1/traces') {
  const response = await fetch(`${receiver!.endpoint}${path}`, { method: 'POST', body, headers })
  return {
    status: response.status,
    body: new Uint8Array(await response.arrayBuffer()),
    headers: response.headers,
  }
}

describe('OTLP receiver with hand-built requests', () => {
  it('JSON and protobuf encodings of one export become the same span', async () => {
    const { received } = await receive()
    const json = await post(JSON.stringify(jsonExport), { 'content-type': 'application/json' })
    const proto = await post(protoExport(), { 'content-type': 'application/x-protobuf' })
    expect([json.status, proto.status]).toEqual([200, 200])
    expect(received).toHaveLength(2)
    expect(shape(received[0]!)).toEqual(shape(received[1]!))
    expect(shape(received[0]!)).toMatchObject({
      name: 'vector_search',
      kind: SpanKind.INTERNAL,
      traceId: '5b8efff798038103d269b633813fc60c',
      parentSpanId: 'eee19b7ec3c1b173',
      parentIsRemote: false,
      startTime: [1_700_000_000, 0],
      duration: [0, 42_500_000],
      status: { code: SpanStatusCode.ERROR, message: 'timeout' },
      attributes: { top_k: 8, ratio: 0.5 },
    })
    // A full success carries no partial_success.
    expect(ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(proto.body))).toEqual({})
  })

  it('answers partial success when some spans cannot be read, and keeps the rest', async () => {
    const { receiver, received } = await receive()
    const bad = structuredClone(jsonExport)
    const spans = bad.resourceSpans[0]!.scopeSpans[0]!.spans
    spans.push({ ...spans[0]!, spanId: 'not-hex', name: 'broken' })
    const reply = await post(JSON.stringify(bad), { 'content-type': 'application/json' })
    expect(reply.status).toBe(200)
    const body = JSON.parse(new TextDecoder().decode(reply.body))
    expect(body.partialSuccess.rejectedSpans).toBe('1')
    expect(body.partialSuccess.errorMessage).toMatch(/spanId/)
    expect(received.map((s) => s.name)).toEqual(['vector_search'])
    expect(receiver.counters).toMatchObject({ spans_accepted: 1, spans_rejected: 1 })
  })

  it('answers 400 with a google.rpc.Status to bodies that cannot be decoded, and counts them', async () => {
    const { receiver, received } = await receive()
    const garbage = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 0x12])
    const proto = await post(garbage, { 'content-type': 'application/x-protobuf' })
    expect(proto.status).toBe(400)
    expect(RpcStatus.toObject(RpcStatus.decode(proto.body)).message).toMatch(/Failed to decode/)
    for (const body of ['{"resourceSpans":', '[1,2]', '{"resourceSpans": 5}']) {
      const json = await post(body, { 'content-type': 'application/json' })
      expect(json.status).toBe(400)
      expect(JSON.parse(new TextDecoder().decode(json.body)).message).toMatch(/Failed to decode/)
    }
    const notGzip = await post('plain', { 'content-type': 'application/json', 'content-encoding': 'gzip' })
    expect(notGzip.status).toBe(400)
    expect(receiver.counters.malformed).toBe(5)
    expect(received).toEqual([])
  })

  it('refuses what it does not serve: 404, 405, 415', async () => {
    const { receiver } = await receive()
    expect((await post('{}', { 'content-type': 'application/json' }, '/v1/metrics')).status).toBe(404)
    expect((await fetch(`${receiver.endpoint}/v1/traces`)).status).toBe(405)
    expect((await post('{}', { 'content-type': 'text/plain' })).status).toBe(415)
    expect((await post('{}', { 'content-type': 'application/json', 'content-encoding': 'br' })).status).toBe(
      415,
    )
    expect(receiver.counters.unsupported).toBe(4)
  })

  it('answers 413 to a body over the limit, before and after decompression, and stays up', async () => {
    const { receiver, received } = await receive({ maxBodyBytes: 64 * 1024 })
    const big = Buffer.alloc(200 * 1024, 0x20)
    const declared = await post(big, { 'content-type': 'application/json' })
    expect(declared.status).toBe(413)
    // A gzip bomb: small on the wire, over the limit once inflated.
    const bomb = gzipSync(
      Buffer.concat([Buffer.from('{"resourceSpans":[]'), Buffer.alloc(1024 * 1024, 0x20), Buffer.from('}')]),
    )
    expect(bomb.length).toBeLessThan(64 * 1024)
    const inflated = await post(bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
    expect(inflated.status).toBe(413)
    expect(receiver.counters.too_large).toBe(2)
    const ok = await post(JSON.stringify(jsonExport), { 'content-type': 'application/json' })
    expect(ok.status).toBe(200)
    expect(received).toHaveLength(1)
  })
})

// Issue 14's bad input: a 50 MB export at the receiver's real default limit (16 MiB), from a raw
// HTTP client streaming it without a length, and from the official exporter. Each is a counted
// 413, and the next export is taken as before.
describe('OTLP receiver against a 50 MB export (default limit)', () => {
  const FIFTY_MB = 50 * 2 ** 20

  it('a raw HTTP client streaming 50 MB with no content-length: 413, counted, and it stays up', async () => {
    const { receiver, received } = await receive()
    const chunk = Buffer.alloc(2 ** 20, 0x20)
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < FIFTY_MB / chunk.length; i++) controller.enqueue(chunk)
        controller.close()
      },
    })
    const response = await fetch(`${receiver.endpoint}/v1/traces`, {
      method: 'POST',
      body: stream,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit).catch((error: unknown) => error)
    // The receiver answers 413 as soon as the limit is passed; the client may see the answer or,
    // if it was still writing, a reset connection. Either way the export was refused and counted.
    if (response instanceof Response) expect(response.status).toBe(413)
    expect(receiver.counters.too_large).toBe(1)
    expect(receiver.counters.bytes_received).toBeLessThan(FIFTY_MB)
    const ok = await post(JSON.stringify(jsonExport), { 'content-type': 'application/json' })
    expect(ok.status).toBe(200)
    expect(received).toHaveLength(1)
  })

  it('the official protobuf exporter sending a 50 MB span: 413 (a failed export), counted, and it stays up', async () => {
    const { receiver, received } = await receive()
    const memory = new InMemorySpanExporter()
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] })
    const span = provider.getTracer('huge').startSpan('huge')
    span.setAttribute('payload', 'x'.repeat(FIFTY_MB))
    span.end()
    const exporter = new ProtoExporter({ url: `${receiver.endpoint}/v1/traces` })
    expect(await exportWith(exporter, memory.getFinishedSpans())).toBe(1) // ExportResultCode.FAILED
    expect(receiver.counters.too_large).toBe(1)
    expect(await exportWith(exporter, makeSpans())).toBe(0)
    await exporter.shutdown()
    expect(received).toHaveLength(3)
  }, 30_000)
})
