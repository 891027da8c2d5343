// Which exemplar traces the HTML report draws: the slowest, one near p99, a typical one (near
// p50) and one per error kind. The report keeps a bounded set (slowest 5, 3 per error kind up
// to 50 kinds, a uniform sample of 50); the page draws at most 3 + MAX_ERROR_KINDS of them,
// which bounds the page's size whatever the length of the run.

import type { Report } from '../../contract/report-types.ts'
import type { TraceRecord } from '../../contract/trace-record.ts'
import { serverSpanOf } from '../server-span.ts'

export const MAX_ERROR_KINDS = 8

export type ChosenExemplar = {
  role: 'slowest' | 'p99' | 'typical' | 'error'
  title: string
  trace: TraceRecord
  errorKind?: string
}

function closestTo(traces: readonly TraceRecord[], targetMs: number): TraceRecord | undefined {
  let best: TraceRecord | undefined
  for (const t of traces) {
    if (!best || Math.abs(t.duration_ms - targetMs) < Math.abs(best.duration_ms - targetMs)) best = t
  }
  return best
}

export function errorKindOf(trace: TraceRecord): string {
  return trace.error_path ?? 'unknown error'
}

// `preferred`: error path → the trace id the analysis names as that kind's exemplar.
export function chooseExemplars(
  report: Report,
  preferred: ReadonlyMap<string, string> = new Map(),
): ChosenExemplar[] {
  const all = report.exemplars
  const chosen: ChosenExemplar[] = []
  const used = new Set<string>()
  const take = (
    role: ChosenExemplar['role'],
    title: string,
    trace: TraceRecord | undefined,
    kind?: string,
  ) => {
    if (!trace || used.has(trace.trace_id)) return
    used.add(trace.trace_id)
    chosen.push({ role, title, trace, ...(kind !== undefined ? { errorKind: kind } : {}) })
  }

  const slowest = [...all].sort((a, b) => b.duration_ms - a.duration_ms)[0]
  take('slowest', 'Slowest trace', slowest)

  // Percentile targets from the server root span's HDR statistics (all measured requests), not
  // from the exemplars, which are only a sample.
  const root = report.stages[serverSpanOf(report)]
  const p99Ms = root && root.count > 0 ? root.p99_ms : report.client_latency_ms.p99
  const p50Ms = root && root.count > 0 ? root.p50_ms : report.client_latency_ms.p50
  const ok = all.filter((t) => !t.error && !used.has(t.trace_id))
  take(
    'p99',
    'A trace near p99',
    closestTo(ok.length > 0 ? ok : all.filter((t) => !used.has(t.trace_id)), p99Ms),
  )

  const samples = all.filter((t) => t.reason === 'sample' && !t.error && !used.has(t.trace_id))
  const typicalPool = samples.length > 0 ? samples : all.filter((t) => !t.error && !used.has(t.trace_id))
  take('typical', 'A typical trace (near p50)', closestTo(typicalPool, p50Ms))

  // One per error kind, most frequent first (counts from analysis.root_causes, which cover every
  // measured trace; exemplars only some).
  const byKind = new Map<string, TraceRecord>()
  for (const t of all) {
    if (!t.error) continue
    const kind = errorKindOf(t)
    if (!byKind.has(kind) || preferred.get(kind) === t.trace_id) byKind.set(kind, t)
  }
  const counts = new Map(report.analysis.root_causes.map((c) => [c.path, c.count]))
  const kinds = [...byKind.keys()].sort(
    (a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || a.localeCompare(b),
  )
  for (const kind of kinds.slice(0, MAX_ERROR_KINDS)) {
    const trace = byKind.get(kind)!
    if (used.has(trace.trace_id)) {
      // Already drawn (say, as the slowest): label it with its kind instead of drawing it twice.
      const existing = chosen.find((c) => c.trace.trace_id === trace.trace_id)
      if (existing && existing.errorKind === undefined) existing.errorKind = kind
      continue
    }
    take('error', 'Error', trace, kind)
  }
  return chosen
}

export function traceAnchor(traceId: string): string {
  return `trace-${traceId.replace(/[^0-9a-zA-Z]/g, '')}`
}
