// The seed's "Best Practices" checked on the measured spans:
//  - Attribute cardinality: distinct values per (span name, attribute key), counted up to a cap.
//    String attributes with many distinct values are flagged (the seed's user_id / request_id):
//    backends index span attributes as tags, and a tag with a value per request cannot group
//    anything. Numeric attributes are counted but not flagged: they are measurements (token
//    counts, scores, sizes, as the OpenTelemetry GenAI conventions record them), not labels.
//    Judged by counts, not by name: tenant_id is a legitimate low-cardinality label here; an
//    id-like name only gets a sharper message once its count is high.
//  - Span naming: names from the seed's "Bad: Vague" list and a few like it, and names shorter
//    than 4 characters (HTTP method names, the semantic-convention name of a span without a
//    route, are exempt).
//  - Span duration: names whose spans mostly last under 1 ms ("they add overhead without value").
//  - Error context: ERROR spans without `error.type` or without a recorded `exception` event.
//  - Unended spans: from the collector's counters (spans started − spans ended), given as input.
// Attribute values are counted on the spans of the traces the analyzer passes checkAttributes for
// (the first 1,000 traces, then every 10th the breakdown reservoir admits; trace-analyzer.ts), so
// `spans` in the cardinality table counts checked spans.
// Memory is bounded: at most MAX_NAMES span names, MAX_KEYS_PER_NAME keys each, and a value set
// that is dropped once it reaches DISTINCT_CAP (strings longer than 32 characters are stored as a
// 32-bit FNV-1a hash; a collision among 1,000 values is about 1 in 10,000).
import { SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import type { AttributeCardinality, HygieneFinding, HygieneResults } from '../contract/analysis-schema.ts'
import { hrtimeToMs } from '../units.ts'
import { boundedEntry } from './bounded-entry.ts'

export const DISTINCT_CAP = 1000
export const HIGH_CARDINALITY = 100
// A key that takes a new value on nearly every span is per-request data even in a short run.
const UNIQUE_PER_SPAN_SHARE = 0.9
const UNIQUE_MIN_SPANS = 50
const MAX_EXAMPLES = 5
const EXAMPLE_CHARS = 80
const MAX_NAMES = 200
const MAX_KEYS_PER_NAME = 64
const MAX_CARDINALITY_ROWS = 25
const SUB_MS_MIN_SPANS = 20
const SUB_MS_SHARE = 0.5

export const VAGUE_NAMES: ReadonlySet<string> = new Set([
  'search',
  'generate',
  'call',
  'process',
  'handle',
  'run',
  'do',
  'execute',
  'operation',
  'request',
  'span',
  'task',
  'work',
])
const HTTP_METHOD_NAME = /^(GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH|HTTP)$/
const ID_LIKE_KEY = /(^|[._-])(id|uuid|guid|user|username|email|session|request)([._-]|$)|_id$|Id$/
// Credentials never leave the process as examples (the report's redaction does the same on render).
const SECRET_KEY = /authorization|api[_-]?key|token|secret|password|passwd|cookie/i
const NOT_SECRET_KEY = /^gen_ai\.usage\.|(^|[._])(input|output|total|max|per|prompt|completion)_tokens?$/i

type KeyStats = {
  values: Set<string | number | boolean> | undefined // undefined once capped
  distinct: number
  spans: number
  last: unknown // the previous value: constant attributes skip the set entirely
  types: number // bit set: 1 string, 2 number, 4 boolean
  examples: string[]
  secret: boolean
}

type NameStats = {
  spans: number
  subMs: number
  totalMs: number
  errors: number
  errorsWithoutType: number
  errorsWithoutException: number
  firstTraceId: string
  withoutTypeExample: string | undefined
  withoutExceptionExample: string | undefined
  keys: Map<string, KeyStats>
}

function newKeyStats(key: string): KeyStats {
  return {
    values: new Set(),
    distinct: 0,
    spans: 0,
    last: undefined,
    types: 0,
    examples: [],
    secret: isSecretKey(key),
  }
}

function fnv1a32(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  return hash >>> 0
}

function example(value: unknown): string {
  const text = String(value)
  return text.length > EXAMPLE_CHARS ? `${text.slice(0, EXAMPLE_CHARS)}…` : text
}

function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !NOT_SECRET_KEY.test(key)
}

export class SpanHygiene {
  readonly #names = new Map<string, NameStats>()
  #spans = 0
  namesDropped = 0
  keysDropped = 0

  // checkAttributes: count this span's attribute values (the analyzer passes whether the trace
  // entered the breakdown reservoir, see trace-analyzer.ts); names, durations and errors are
  // checked on every span.
  observe(span: ReadableSpan, checkAttributes = true): void {
    this.#spans++
    const stats = boundedEntry(this.#names, span.name, MAX_NAMES, () => ({
      spans: 0,
      subMs: 0,
      totalMs: 0,
      errors: 0,
      errorsWithoutType: 0,
      errorsWithoutException: 0,
      firstTraceId: span.spanContext().traceId,
      withoutTypeExample: undefined,
      withoutExceptionExample: undefined,
      keys: new Map(),
    }))
    if (!stats) {
      this.namesDropped++
      return
    }
    stats.spans++
    const durationMs = hrtimeToMs(span.duration)
    stats.totalMs += durationMs
    if (durationMs < 1) stats.subMs++

    const attributes = span.attributes
    if (checkAttributes) {
      for (const key in attributes) {
        const value = attributes[key]
        if (value === undefined || value === null) continue
        this.#observeAttribute(stats, key, value)
      }
    }

    if (span.status.code === SpanStatusCode.ERROR) {
      stats.errors++
      const where = `trace ${span.spanContext().traceId}, span ${span.spanContext().spanId}`
      if (attributes['error.type'] === undefined) {
        stats.errorsWithoutType++
        stats.withoutTypeExample ??= where
      }
      if (!span.events.some((e) => e.name === 'exception')) {
        stats.errorsWithoutException++
        stats.withoutExceptionExample ??= where
      }
    }
  }

  #observeAttribute(stats: NameStats, key: string, value: unknown): void {
    const k = boundedEntry(stats.keys, key, MAX_KEYS_PER_NAME, newKeyStats)
    if (!k) {
      this.keysDropped++
      return
    }
    k.spans++
    if (value === k.last) return
    k.last = value
    if (!k.values) return
    let stored: string | number | boolean
    if (typeof value === 'string') {
      k.types |= 1
      stored = value.length > 32 ? fnv1a32(value) : value
    } else if (typeof value === 'number') {
      k.types |= 2
      stored = value
    } else if (typeof value === 'boolean') {
      k.types |= 4
      stored = value
    } else {
      k.types |= 1 // arrays: compared by their text
      stored = fnv1a32(String(value))
    }
    const before = k.values.size
    k.values.add(stored)
    if (k.values.size === before) return
    k.distinct = k.values.size
    if (!k.secret && k.examples.length < MAX_EXAMPLES) k.examples.push(example(value))
    if (k.distinct >= DISTINCT_CAP) k.values = undefined
  }

  get spansChecked(): number {
    return this.#spans
  }

  results(input: { unendedSpans?: number } = {}): HygieneResults {
    const findings: HygieneFinding[] = []
    const cardinality: AttributeCardinality[] = []
    for (const [name, stats] of this.#names) {
      findings.push(...nameFindings(name, stats))
      for (const [key, k] of stats.keys) {
        cardinality.push(cardinalityRow(name, key, k))
        const finding = highCardinalityFinding(name, key, k)
        if (finding) findings.push(finding)
      }
    }
    const unended = input.unendedSpans ?? 0
    if (unended > 0) {
      findings.push({
        check: 'unended_spans',
        span_name: '(unknown)',
        message: `${unended} spans were started but never ended: they are missing from every trace and statistic; end every span in a finally block.`,
        example: `spans started − spans ended = ${unended}`,
      })
    }
    cardinality.sort(
      (a, b) =>
        b.distinct - a.distinct || a.span_name.localeCompare(b.span_name) || a.key.localeCompare(b.key),
    )
    return {
      spans_checked: this.#spans,
      findings,
      attribute_cardinality: cardinality.slice(0, MAX_CARDINALITY_ROWS),
    }
  }
}

// The checks of one span name: its wording, its spans' durations, its error spans' context.
function nameFindings(name: string, stats: NameStats): HygieneFinding[] {
  const findings: HygieneFinding[] = []
  if (VAGUE_NAMES.has(name.toLowerCase()) || (name.length < 4 && !HTTP_METHOD_NAME.test(name))) {
    findings.push({
      check: 'vague_name',
      span_name: name,
      message: `Span name "${name}" is vague (${stats.spans} spans): name the operation specifically, as in vector_search or embedding_generation, so a trace reads without opening the span.`,
      example: `trace ${stats.firstTraceId}`,
    })
  }
  if (stats.spans >= SUB_MS_MIN_SPANS && stats.subMs / stats.spans > SUB_MS_SHARE) {
    const meanMs = stats.totalMs / stats.spans
    findings.push({
      check: 'sub_millisecond',
      span_name: name,
      message: `${((100 * stats.subMs) / stats.spans).toFixed(1)}% of ${stats.spans} "${name}" spans last under 1 ms: spans that short add overhead without value; record the step as an attribute or event of its parent instead.`,
      example: `mean ${meanMs.toFixed(3)} ms, e.g. trace ${stats.firstTraceId}`,
    })
  }
  if (stats.errorsWithoutType > 0) {
    findings.push({
      check: 'error_without_type',
      span_name: name,
      message: `${stats.errorsWithoutType} of ${stats.errors} error spans named "${name}" have no error.type attribute: failures cannot be grouped by kind.`,
      example: stats.withoutTypeExample ?? '',
    })
  }
  if (stats.errorsWithoutException > 0) {
    findings.push({
      check: 'error_without_exception',
      span_name: name,
      message: `${stats.errorsWithoutException} of ${stats.errors} error spans named "${name}" have no recorded exception event: the error's message and type are lost.`,
      example: stats.withoutExceptionExample ?? '',
    })
  }
  return findings
}

function cardinalityRow(name: string, key: string, k: KeyStats): AttributeCardinality {
  const valueType = k.types === 1 ? 'string' : k.types === 2 ? 'number' : k.types === 4 ? 'boolean' : 'mixed'
  return {
    span_name: name,
    key,
    distinct: k.distinct,
    capped: k.values === undefined,
    spans: k.spans,
    value_type: valueType,
    examples: [...k.examples],
  }
}

// Only string attributes are labels (see the top of this file).
function highCardinalityFinding(name: string, key: string, k: KeyStats): HygieneFinding | undefined {
  const isString = (k.types & 1) === 1
  const uniquePerSpan =
    k.spans >= UNIQUE_MIN_SPANS && k.distinct >= UNIQUE_PER_SPAN_SHARE * k.spans && k.distinct > 20
  if (!isString || !(k.distinct > HIGH_CARDINALITY || uniquePerSpan)) return undefined
  const shown = `${k.distinct}${k.values === undefined ? '+' : ''}`
  const idLike = ID_LIKE_KEY.test(key) ? ' It looks like a per-user or per-request identifier.' : ''
  return {
    check: 'high_cardinality',
    span_name: name,
    message: `Attribute "${key}" on "${name}" has ${shown} distinct values in ${k.spans} spans: high-cardinality attributes exceed backend limits and cannot group traces.${idLike} Keep it in logs or an event, or bucket it.`,
    example: k.secret ? `${key}=‹redacted›` : `${key}=${k.examples[0] ?? ''}`,
  }
}
