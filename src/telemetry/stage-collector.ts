// The harness's own span processor. It aggregates in onEnd (duration into a per-stage HDR
// histogram, error counts) and keeps no span objects beyond the traces still in flight, so its
// memory is constant in the number of spans (the SDK's InMemorySpanExporter holds about 3 KB per
// span: gigabytes for a long run). A small, bounded set of whole traces is kept as exemplars.
// It takes ended spans from a DeferredSpanProcessor (batches off the request path, in end order,
// never dropped: no exporter, no bounded export queue), so no span is lost between the SDK and
// the statistics.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base'
import { boundedEntry } from '../analysis/bounded-entry.ts'
import { errorPath, UNKNOWN_ERROR } from '../analysis/error-path.ts'
import type { StageSelector } from '../budget/parse-budget.ts'
import { MOCK_DELAY_ATTRIBUTE, MOCK_HELD_ATTRIBUTE } from '../contract/dependency-api.ts'
import type { StageStats } from '../contract/report-types.ts'
import { FIRST_TOKEN_EVENT, SERVER_TTFT_STAGE, SPAN, STAGE_SPAN_NAMES } from '../contract/span-names.ts'
import type { StageHistogram, StageInterval } from '../contract/stage-series.ts'
import type { TraceRecord } from '../contract/trace-record.ts'
import { createRng, type Rng } from '../rng.ts'
import { HdrDurationRecorder } from '../stats/hdr-recorder.ts'
import { LogHistogram } from '../stats/log-histogram.ts'
import { hrtimeToMs } from '../units.ts'
import { toTraceRecord } from './trace-record.ts'

export type CollectorOptions = {
  selectors?: readonly StageSelector[] // attribute-narrowed stages that budgets name
  slowestTraces?: number
  errorTracesPerKind?: number
  sampledTraces?: number
  seed?: number
  maxPendingTraces?: number
  maxStageNames?: number
  // Called with every whole trace that started after warm-up, when its server span ends
  // (children end first). Trace-level analysis hangs off this; it must be cheap and bounded.
  // With the trace's error path when a span failed (computed once here, for every consumer).
  onMeasuredTrace?: (spans: readonly ReadableSpan[], errorPath: string | undefined) => void
  // false for a team's service (target:): its client spans carry no mock attributes, and mock
  // fidelity comes from joining them with the mocks' own records (recordDependencyCall).
  fidelityFromAttributes?: boolean
}

export type CollectorCounters = {
  spans_started: number
  spans_ended: number
  server_spans: number // local root spans ended: every request that reached the endpoint
  pipeline_roots: number // rag_pipeline spans ended
  traces_dropped_pending: number // in-flight traces evicted because maxPendingTraces was hit
  stage_names_dropped: number
}

export type DependencyFidelity = {
  calls: number // successful attempts after warm-up
  measured: StageStats // their client-span durations
  excess_ms: { p50: number; p99: number; max: number } // span duration − the mock's drawn delay, per call
  // The excess split, where the mock said how long it held the call (held − drawn: the mock was
  // late; span − held: transport and client). null when no call carried the held time.
  lateness_ms: { p50: number; p99: number; max: number } | null
  transport_ms: { p50: number; p99: number; max: number } | null
}

// One second of the stage series as the collector keeps it: by epoch second; the harness turns it
// into report.json's stage_intervals (contract/stage-series.ts), relative to the run start.
export type CollectorInterval = {
  start_s: number
  stages: StageInterval['stages']
}

export type CollectorResults = {
  counters: CollectorCounters
  stages: Record<string, StageStats>
  stage_histograms: Record<string, StageHistogram>
  stage_intervals: CollectorInterval[]
  dependencies: Record<string, DependencyFidelity>
  root_durations: Map<string, number> // trace id → server span ms, for joining with the client
  exemplars: TraceRecord[]
}

const INTERVAL_STAGES = new Set(STAGE_SPAN_NAMES)
// Enough to join a representative set of requests (the gap distribution needs a sample, not all);
// about 2 MB. Later traces are not kept for the join.
const MAX_ROOT_DURATIONS = 20_000

type Stage = { recorder: HdrDurationRecorder; histogram: LogHistogram; errors: number }
const newStage = (): Stage => ({
  recorder: new HdrDurationRecorder(),
  histogram: new LogHistogram(),
  errors: 0,
})
type Dependency = {
  durations: HdrDurationRecorder
  excess: HdrDurationRecorder
  lateness: HdrDurationRecorder
  transport: HdrDurationRecorder
}

export class StageCollector implements SpanProcessor {
  readonly #selectorsByName = new Map<string, StageSelector[]>()
  readonly #stages = new Map<string, Stage>()
  readonly #pending = new Map<string, ReadableSpan[]>()
  readonly #slowest: TraceRecord[] = []
  readonly #errorsByKind = new Map<string, TraceRecord[]>()
  readonly #sample: TraceRecord[] = []
  #sampleSeen = 0
  readonly #intervals = new Map<number, Map<string, LogHistogram>>()
  readonly #dependencies = new Map<string, Dependency>()
  readonly #rootDurations = new Map<string, number>()
  readonly #rng: Rng
  readonly #options: Required<
    Omit<CollectorOptions, 'selectors' | 'seed' | 'onMeasuredTrace' | 'fidelityFromAttributes'>
  >
  readonly #fidelityFromAttributes: boolean
  readonly #onMeasuredTrace: CollectorOptions['onMeasuredTrace']
  #measureFromMs = Number.NEGATIVE_INFINITY
  readonly counters: CollectorCounters = {
    spans_started: 0,
    spans_ended: 0,
    server_spans: 0,
    pipeline_roots: 0,
    traces_dropped_pending: 0,
    stage_names_dropped: 0,
  }

  constructor(options: CollectorOptions = {}) {
    for (const selector of options.selectors ?? []) {
      if (Object.keys(selector.attributes).length === 0) continue
      const list = this.#selectorsByName.get(selector.spanName) ?? []
      // Several budgets (p95, error_rate, …) name the same stage: record it once.
      if (list.some((known) => known.key === selector.key)) continue
      list.push(selector)
      this.#selectorsByName.set(selector.spanName, list)
    }
    this.#rng = createRng(options.seed ?? 1)
    this.#onMeasuredTrace = options.onMeasuredTrace
    this.#fidelityFromAttributes = options.fidelityFromAttributes ?? true
    this.#options = {
      slowestTraces: options.slowestTraces ?? 5,
      errorTracesPerKind: options.errorTracesPerKind ?? 3,
      sampledTraces: options.sampledTraces ?? 50,
      maxPendingTraces: options.maxPendingTraces ?? 20_000,
      maxStageNames: options.maxStageNames ?? 200,
    }
  }

  // Spans that start before this moment (epoch ms, the SDK's clock) are warm-up: counted for
  // accounting, left out of every statistic.
  startMeasuring(fromEpochMs = performance.timeOrigin + performance.now()): void {
    this.#measureFromMs = fromEpochMs
  }

  onStart(_span: Span): void {
    this.counters.spans_started++
  }

  onEnd(span: ReadableSpan): void {
    this.counters.spans_ended++
    const isLocalRoot = span.kind === SpanKind.SERVER
    if (isLocalRoot) this.counters.server_spans++
    if (span.name === SPAN.pipeline) this.counters.pipeline_roots++
    const startMs = hrtimeToMs(span.startTime)
    const measured = startMs >= this.#measureFromMs
    if (measured) this.#record(span)
    if (INTERVAL_STAGES.has(span.name)) this.#recordInterval(span, startMs)

    const traceId = span.spanContext().traceId
    let spans = this.#pending.get(traceId)
    if (!spans) {
      if (this.#pending.size >= this.#options.maxPendingTraces) {
        // Evict the oldest in-flight trace: memory stays bounded if roots never end.
        const oldest = this.#pending.keys().next().value as string
        this.#pending.delete(oldest)
        this.counters.traces_dropped_pending++
      }
      spans = []
      this.#pending.set(traceId, spans)
    }
    spans.push(span)
    if (isLocalRoot) {
      this.#pending.delete(traceId)
      if (measured) {
        if (this.#rootDurations.size < MAX_ROOT_DURATIONS)
          this.#rootDurations.set(traceId, hrtimeToMs(span.duration))
        // Once per trace (in a deferred batch in the endpoint, per OTLP batch in a receiver): the
        // error path is computed once, straight from the spans, and a TraceRecord is built only
        // for an exemplar that is kept.
        const failed = spans.some((s) => s.status.code === SpanStatusCode.ERROR)
        const kind = failed ? (errorPath(spans) ?? UNKNOWN_ERROR) : undefined
        this.#considerExemplar(spans, hrtimeToMs(span.duration), kind)
        this.#onMeasuredTrace?.(spans, kind)
      }
    }
  }

  // A span received over OTLP (src/telemetry/otlp/) arrives ended: it counts as started and ended.
  onReceived(span: ReadableSpan): void {
    this.counters.spans_started++
    this.onEnd(span)
  }

  #record(span: ReadableSpan): void {
    const durationMs = hrtimeToMs(span.duration)
    const isError = span.status.code === SpanStatusCode.ERROR
    const own = this.#stage(span.name)
    if (own) {
      own.recorder.record(durationMs)
      own.histogram.record(durationMs)
      if (isError) own.errors++
    }
    if (span.kind === SpanKind.CLIENT && !isError && this.#fidelityFromAttributes)
      this.#recordDependency(span, durationMs)
    if (span.name === SPAN.llm) this.#recordFirstToken(span)
    const selectors = this.#selectorsByName.get(span.name)
    if (!selectors) return
    for (const selector of selectors) {
      if (!matches(span, selector)) continue
      const stage = this.#stage(selector.key)
      if (!stage) continue
      stage.recorder.record(durationMs)
      stage.histogram.record(durationMs)
      if (isError) stage.errors++
    }
  }

  // The server-side time to first token of a streamed answer, as a stage of its own.
  #recordFirstToken(span: ReadableSpan): void {
    const event = span.events.find((e) => e.name === FIRST_TOKEN_EVENT)
    if (!event) return
    const stage = this.#stage(SERVER_TTFT_STAGE)
    if (!stage) return
    const offsetMs = Math.max(0, hrtimeToMs(event.time) - hrtimeToMs(span.startTime))
    stage.recorder.record(offsetMs)
    stage.histogram.record(offsetMs)
  }

  #stage(key: string): Stage | undefined {
    const stage = boundedEntry(this.#stages, key, this.#options.maxStageNames, newStage)
    if (!stage) this.counters.stage_names_dropped++
    return stage
  }

  #recordDependency(span: ReadableSpan, durationMs: number): void {
    const name = span.attributes['peer.service']
    if (typeof name !== 'string') return
    const drawn = span.attributes[MOCK_DELAY_ATTRIBUTE]
    const held = span.attributes[MOCK_HELD_ATTRIBUTE]
    this.recordDependencyCall(
      name,
      durationMs,
      typeof drawn === 'number' ? drawn : null,
      typeof drawn === 'number' && typeof held === 'number' ? held : null,
    )
  }

  // One successful, measured call to a mocked dependency: its client span's duration, and what
  // the mock drew and held for it where known.
  recordDependencyCall(
    name: string,
    durationMs: number,
    drawnMs: number | null,
    heldMs: number | null,
  ): void {
    let dependency = this.#dependencies.get(name)
    if (!dependency) {
      dependency = {
        durations: new HdrDurationRecorder(),
        excess: new HdrDurationRecorder(),
        lateness: new HdrDurationRecorder(),
        transport: new HdrDurationRecorder(),
      }
      this.#dependencies.set(name, dependency)
    }
    dependency.durations.record(durationMs)
    if (drawnMs === null) return
    dependency.excess.record(Math.max(0, durationMs - drawnMs))
    if (heldMs === null) return
    dependency.lateness.record(Math.max(0, heldMs - drawnMs))
    dependency.transport.record(Math.max(0, durationMs - heldMs))
  }

  // Per second, every stage span including warm-up, so warm-up and drift show in the series.
  #recordInterval(span: ReadableSpan, startMs: number): void {
    const second = Math.floor((startMs + hrtimeToMs(span.duration)) / 1000)
    let stages = this.#intervals.get(second)
    if (!stages) {
      stages = new Map()
      this.#intervals.set(second, stages)
    }
    let histogram = stages.get(span.name)
    if (!histogram) {
      histogram = new LogHistogram()
      stages.set(span.name, histogram)
    }
    histogram.record(hrtimeToMs(span.duration), span.status.code === SpanStatusCode.ERROR)
  }

  // kind: the trace's error path, undefined for a trace without a failed span.
  #considerExemplar(spans: ReadableSpan[], durationMs: number, kind: string | undefined): void {
    if (kind !== undefined) {
      const kept = this.#errorsByKind.get(kind) ?? []
      if (kept.length < this.#options.errorTracesPerKind && this.#errorsByKind.size < 50) {
        kept.push(toTraceRecord(spans, 'error', kind))
        this.#errorsByKind.set(kind, kept)
      }
    }
    // Slowest N: a small sorted array beats a heap at N = 5.
    const slowest = this.#slowest
    if (
      slowest.length < this.#options.slowestTraces ||
      durationMs > slowest[slowest.length - 1]!.duration_ms
    ) {
      slowest.push(toTraceRecord(spans, 'slowest', kind))
      slowest.sort((a, b) => b.duration_ms - a.duration_ms)
      if (slowest.length > this.#options.slowestTraces) slowest.pop()
    }
    // Uniform sample of measured traces: reservoir sampling, Vitter's Algorithm R.
    this.#sampleSeen++
    if (this.#sample.length < this.#options.sampledTraces) {
      this.#sample.push(toTraceRecord(spans, 'sample', kind))
    } else {
      const j = Math.floor(this.#rng.next() * this.#sampleSeen)
      if (j < this.#options.sampledTraces) this.#sample[j] = toTraceRecord(spans, 'sample', kind)
    }
  }

  results(): CollectorResults {
    const stages: Record<string, StageStats> = {}
    const stageHistograms: CollectorResults['stage_histograms'] = {}
    for (const [key, stage] of this.#stages) {
      const ci95 = stage.recorder.percentileIntervalsMs()
      stages[key] = { ...stage.recorder.toStageStats(stage.errors), ...(ci95 ? { ci95_ms: ci95 } : {}) }
      stageHistograms[key] = stage.histogram.toJSON()
    }
    const dependencies: Record<string, DependencyFidelity> = {}
    for (const [name, d] of this.#dependencies) {
      dependencies[name] = {
        calls: d.durations.count,
        measured: d.durations.toStageStats(0),
        excess_ms: summary(d.excess),
        lateness_ms: d.lateness.count > 0 ? summary(d.lateness) : null,
        transport_ms: d.transport.count > 0 ? summary(d.transport) : null,
      }
    }
    const stageIntervals = [...this.#intervals.entries()]
      .sort(([a], [b]) => a - b)
      .map(([second, byStage]) => ({
        start_s: second,
        stages: Object.fromEntries(
          [...byStage].map(([name, h]) => [
            name,
            { count: h.count, errors: h.errors, p50_ms: h.quantileMs(0.5), p99_ms: h.quantileMs(0.99) },
          ]),
        ),
      }))
    const exemplars = [...this.#slowest, ...[...this.#errorsByKind.values()].flat(), ...this.#sample]
    return {
      counters: { ...this.counters },
      stages,
      stage_histograms: stageHistograms,
      stage_intervals: stageIntervals,
      dependencies,
      root_durations: new Map(this.#rootDurations),
      exemplars,
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve()
  }

  shutdown(): Promise<void> {
    return Promise.resolve()
  }
}

function matches(span: ReadableSpan, selector: StageSelector): boolean {
  for (const [name, value] of Object.entries(selector.attributes)) {
    const actual = span.attributes[name]
    if (actual === undefined || String(actual) !== value) return false
  }
  return true
}

function summary(recorder: HdrDurationRecorder): { p50: number; p99: number; max: number } {
  return { p50: recorder.percentileMs(50), p99: recorder.percentileMs(99), max: recorder.maxMs }
}
