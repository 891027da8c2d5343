// The seed's "Service Dependency Mapping", computed from the measured traces: for each dependency
// (the `peer.service` of client spans, or `server.address` when an instrumentation leaves
// peer.service out) how many requests call it, how many attempts a calling request makes
// (retries are extra client spans with `http.request.resend_count`, HTTP semantic conventions),
// how often its calls fail and how often the requests that call it fail, and its latency.
// Memory: one HDR histogram per dependency (tens of KB), at most MAX_DEPENDENCIES of them.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import type { DependencyStats } from '../contract/analysis-schema.ts'
import { HdrDurationRecorder } from '../stats/hdr-recorder.ts'
import { hrtimeToMs } from '../units.ts'
import { boundedEntry } from './bounded-entry.ts'

const MAX_DEPENDENCIES = 50

type Dependency = {
  tracesCalling: number
  calls: number
  retries: number
  errorSpans: number
  failedTraces: number
  lastTrace: number // sequence number of the last trace counted, so a trace counts once
  latency: HdrDurationRecorder
}

function newDependency(): Dependency {
  return {
    tracesCalling: 0,
    calls: 0,
    retries: 0,
    errorSpans: 0,
    failedTraces: 0,
    lastTrace: 0,
    latency: new HdrDurationRecorder(),
  }
}

export function dependencyOf(span: ReadableSpan): string {
  const peer = span.attributes['peer.service']
  if (typeof peer === 'string' && peer !== '') return peer
  const address = span.attributes['server.address']
  return typeof address === 'string' && address !== '' ? address : '(unknown)'
}

export class DependencyMap {
  readonly #dependencies = new Map<string, Dependency>()
  #traces = 0
  dropped = 0 // client spans of dependencies beyond MAX_DEPENDENCIES

  // `requestFailed`: the trace's server span has status ERROR (the request got a 5xx).
  observe(spans: readonly ReadableSpan[], requestFailed: boolean): void {
    const trace = ++this.#traces
    for (const span of spans) {
      if (span.kind !== SpanKind.CLIENT) continue
      const name = dependencyOf(span)
      const dependency = boundedEntry(this.#dependencies, name, MAX_DEPENDENCIES, newDependency)
      if (!dependency) {
        this.dropped++
        continue
      }
      if (dependency.lastTrace !== trace) {
        dependency.lastTrace = trace
        dependency.tracesCalling++
        if (requestFailed) dependency.failedTraces++
      }
      dependency.calls++
      const resend = span.attributes['http.request.resend_count']
      if (typeof resend === 'number' && resend > 0) dependency.retries++
      if (span.status.code === SpanStatusCode.ERROR) dependency.errorSpans++
      dependency.latency.record(Math.max(0, hrtimeToMs(span.duration)))
    }
  }

  results(): DependencyStats[] {
    const traces = this.#traces
    const out: DependencyStats[] = []
    for (const [name, d] of this.#dependencies) {
      const requestShare = traces === 0 ? 0 : d.tracesCalling / traces
      out.push({
        dependency: name,
        traces_calling: d.tracesCalling,
        request_share: requestShare,
        calls: d.calls,
        calls_per_request: d.tracesCalling === 0 ? 0 : d.calls / d.tracesCalling,
        retries: d.retries,
        retry_share: d.calls === 0 ? 0 : d.retries / d.calls,
        error_spans: d.errorSpans,
        error_rate: d.calls === 0 ? 0 : d.errorSpans / d.calls,
        failed_request_rate: d.tracesCalling === 0 ? 0 : d.failedTraces / d.tracesCalling,
        latency_ms: {
          p50: d.latency.percentileMs(50),
          p99: d.latency.percentileMs(99),
          max: d.latency.maxMs,
          mean: d.latency.meanMs,
        },
        impact: impactLine(name, requestShare),
      })
    }
    return out.sort((a, b) => b.request_share - a.request_share || a.dependency.localeCompare(b.dependency))
  }
}

// The seed's "Impact analysis": a request that calls a dependency cannot succeed without it (none
// of the calls here has a fallback), so its outage fails that share of requests.
export function impactLine(dependency: string, requestShare: number): string {
  const percent = requestShare * 100
  const shown = percent === 100 ? 'all' : percent === 0 ? 'no' : `${percent.toFixed(1)}% of`
  return `If ${dependency} is down → ${shown} requests fail (the share that called it)`
}
