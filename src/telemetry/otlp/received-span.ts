// OTLP → the span shape the StageCollector already consumes (ReadableSpan), converted once, at the
// receiver's edge: the collector, the trace analysis and the exemplars stay the same code for the
// built-in endpoint's spans and a team's spans received over OTLP.
//
// The input is an ExportTraceServiceRequest as plain objects in OTLP/JSON's shape (see
// trace-proto.ts): lowerCamelCase names, 64-bit integers as decimal strings (or numbers), enums as
// numbers. Ids are hex strings in OTLP/JSON and bytes in protobuf (OTLP spec, "JSON Protobuf
// Encoding"). The body is untrusted: a span that cannot be read is rejected and counted (partial
// success), never thrown; only a body that is not an export request at all is malformed.
import {
  type Attributes,
  type AttributeValue,
  type HrTime,
  type SpanContext,
  SpanKind,
} from '@opentelemetry/api'
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources'
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base'

export type ConvertedExport = {
  spans: ReadableSpan[]
  rejected: number
  // The first reason a span was rejected, for the partial-success message.
  problem: string | undefined
}

export class MalformedExportError extends Error {
  override readonly name = 'MalformedExportError'
}

// trace.proto: SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK and SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK.
const HAS_IS_REMOTE = 0x100
const IS_REMOTE = 0x200
const KIND_BY_NUMBER: Record<number, SpanKind> = {
  1: SpanKind.INTERNAL,
  2: SpanKind.SERVER,
  3: SpanKind.CLIENT,
  4: SpanKind.PRODUCER,
  5: SpanKind.CONSUMER,
}
const MAX_ATTRIBUTE_DEPTH = 4

type Obj = Record<string, unknown>

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

export function convertExport(body: unknown): ConvertedExport {
  if (!isObj(body) || (body.resourceSpans !== undefined && !Array.isArray(body.resourceSpans))) {
    throw new MalformedExportError('expected an ExportTraceServiceRequest object with resourceSpans')
  }
  const out: ConvertedExport = { spans: [], rejected: 0, problem: undefined }
  for (const resourceSpans of list(body.resourceSpans)) {
    if (!isObj(resourceSpans)) continue
    const resourceAttributes = isObj(resourceSpans.resource) ? resourceSpans.resource.attributes : undefined
    const resource = resourceFromAttributes(attributesOf(resourceAttributes))
    for (const scopeSpans of list(resourceSpans.scopeSpans)) {
      if (!isObj(scopeSpans)) continue
      const scope = isObj(scopeSpans.scope) ? scopeSpans.scope : {}
      const instrumentationScope = {
        name: typeof scope.name === 'string' ? scope.name : '',
        ...(typeof scope.version === 'string' && scope.version !== '' ? { version: scope.version } : {}),
      }
      for (const raw of list(scopeSpans.spans)) {
        const converted = convertSpan(raw, resource, instrumentationScope)
        if (typeof converted === 'string') {
          out.rejected++
          out.problem ??= converted
        } else {
          out.spans.push(converted)
        }
      }
    }
  }
  return out
}

// A ReadableSpan, or the reason the span cannot be read.
function convertSpan(
  raw: unknown,
  resource: Resource,
  instrumentationScope: ReadableSpan['instrumentationScope'],
): ReadableSpan | string {
  if (!isObj(raw)) return 'a span is not an object'
  const traceId = idOf(raw.traceId, 16)
  const spanId = idOf(raw.spanId, 8)
  if (!traceId || !spanId) return 'a span has no valid traceId (16 bytes) or spanId (8 bytes)'
  const parentId =
    raw.parentSpanId === undefined || raw.parentSpanId === '' ? null : idOf(raw.parentSpanId, 8)
  if (parentId === undefined) return `span ${spanId} has an invalid parentSpanId`
  const startTime = hrTimeOf(raw.startTimeUnixNano)
  const endTime = hrTimeOf(raw.endTimeUnixNano)
  if (!startTime || !endTime) return `span ${spanId} has no valid startTimeUnixNano or endTimeUnixNano`
  const duration = hrDiff(endTime, startTime)
  if (duration[0] < 0) return `span ${spanId} ends before it starts`
  const flags = typeof raw.flags === 'number' ? raw.flags : 0
  const kind = kindOf(raw.kind)
  const traceFlags = flags & 0xff || 1 // exported spans were sampled
  const context: SpanContext = { traceId, spanId, traceFlags, isRemote: false }
  // Where the exporter does not say (older SDKs), a server or consumer span's parent is taken to
  // be in another process: the span where the service's own trace begins.
  const parentIsRemote =
    (flags & HAS_IS_REMOTE) !== 0
      ? (flags & IS_REMOTE) !== 0
      : kind === SpanKind.SERVER || kind === SpanKind.CONSUMER
  const status = isObj(raw.status) ? raw.status : {}
  const events: TimedEvent[] = []
  for (const event of list(raw.events)) {
    if (!isObj(event)) continue
    const time = hrTimeOf(event.timeUnixNano)
    if (!time) continue
    events.push({
      name: typeof event.name === 'string' ? event.name : '',
      time,
      attributes: attributesOf(event.attributes),
    })
  }
  return {
    name: typeof raw.name === 'string' ? raw.name : '',
    kind,
    spanContext: () => context,
    ...(parentId
      ? { parentSpanContext: { traceId, spanId: parentId, traceFlags, isRemote: parentIsRemote } }
      : {}),
    startTime,
    endTime,
    duration,
    status: {
      code: statusCodeOf(status.code),
      ...(typeof status.message === 'string' && status.message !== '' ? { message: status.message } : {}),
    },
    attributes: attributesOf(raw.attributes),
    links: [],
    events,
    ended: true,
    resource,
    instrumentationScope,
    droppedAttributesCount: countOf(raw.droppedAttributesCount),
    droppedEventsCount: countOf(raw.droppedEventsCount),
    droppedLinksCount: countOf(raw.droppedLinksCount),
  }
}

const HEX_ID = /^[0-9a-f]+$/

// Lowercase hex of a trace or span id of `bytes` bytes; undefined when invalid. All zeros is
// invalid (W3C Trace Context and the OTLP spec).
function idOf(value: unknown, bytes: number): string | undefined {
  let hex: string
  if (typeof value === 'string') hex = value.toLowerCase()
  else if (value instanceof Uint8Array)
    hex = Buffer.from(value.buffer, value.byteOffset, value.length).toString('hex')
  else return undefined
  if (hex.length !== bytes * 2 || !HEX_ID.test(hex) || /^0+$/.test(hex)) return undefined
  return hex
}

// Nanoseconds since the epoch, as a decimal string or a number, to [seconds, nanoseconds].
function hrTimeOf(value: unknown): HrTime | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) return undefined
    return [Math.floor(value / 1e9), Math.round(value % 1e9)]
  }
  if (typeof value !== 'string' || !/^[0-9]{1,20}$/.test(value) || /^0+$/.test(value)) return undefined
  const seconds = value.length > 9 ? Number(value.slice(0, -9)) : 0
  return [seconds, Number(value.slice(-9))]
}

function hrDiff(end: HrTime, start: HrTime): HrTime {
  let seconds = end[0] - start[0]
  let nanos = end[1] - start[1]
  if (nanos < 0) {
    seconds -= 1
    nanos += 1e9
  }
  return [seconds, nanos]
}

function kindOf(value: unknown): SpanKind {
  if (typeof value === 'number') return KIND_BY_NUMBER[value] ?? SpanKind.INTERNAL
  if (typeof value === 'string') {
    const byName: Record<string, number> = {
      SPAN_KIND_INTERNAL: 1,
      SPAN_KIND_SERVER: 2,
      SPAN_KIND_CLIENT: 3,
      SPAN_KIND_PRODUCER: 4,
      SPAN_KIND_CONSUMER: 5,
    }
    return KIND_BY_NUMBER[byName[value] ?? 1] ?? SpanKind.INTERNAL
  }
  return SpanKind.INTERNAL
}

// trace.proto Status.StatusCode: 0 unset, 1 ok, 2 error (the same numbers as the API's enum).
function statusCodeOf(value: unknown): 0 | 1 | 2 {
  if (value === 1 || value === 'STATUS_CODE_OK') return 1
  if (value === 2 || value === 'STATUS_CODE_ERROR') return 2
  return 0
}

function countOf(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0
}

function attributesOf(value: unknown): Attributes {
  const out: Attributes = {}
  for (const kv of list(value)) {
    if (!isObj(kv) || typeof kv.key !== 'string') continue
    const converted = anyValueOf(kv.value, 0)
    if (converted !== undefined) out[kv.key] = converted
  }
  return out
}

// common.proto AnyValue → an attribute value. Arrays of one primitive type stay arrays; a key-value
// list (or a nested array) is kept as its JSON text, since the API's attributes cannot nest.
function anyValueOf(value: unknown, depth: number): AttributeValue | undefined {
  if (!isObj(value) || depth > MAX_ATTRIBUTE_DEPTH) return undefined
  if (typeof value.stringValue === 'string') return value.stringValue
  if (typeof value.boolValue === 'boolean') return value.boolValue
  if (value.intValue !== undefined) {
    const n = Number(value.intValue)
    return Number.isFinite(n) ? n : undefined
  }
  if (value.doubleValue !== undefined) {
    const n = Number(value.doubleValue) // OTLP/JSON may spell NaN and Infinity as strings
    return Number.isNaN(n) && value.doubleValue !== 'NaN' ? undefined : n
  }
  if (typeof value.bytesValue === 'string') return value.bytesValue
  if (value.bytesValue instanceof Uint8Array) return Buffer.from(value.bytesValue).toString('base64')
  if (isObj(value.arrayValue)) {
    const items = list(value.arrayValue.values).map((item) => anyValueOf(item, depth + 1))
    const strings = items.filter((item) => typeof item === 'string')
    if (strings.length === items.length) return strings
    const numbers = items.filter((item) => typeof item === 'number')
    if (numbers.length === items.length) return numbers
    const booleans = items.filter((item) => typeof item === 'boolean')
    if (booleans.length === items.length) return booleans
    return JSON.stringify(items)
  }
  if (isObj(value.kvlistValue)) {
    return JSON.stringify(attributesOf(value.kvlistValue.values))
  }
  return undefined
}
