// The streamed-answer figures of a report as plain lines (console and summary.md share them):
// TTFT, ITL, TPOT, output tokens/s and goodput, each with the server-side first-token stage
// beside it so a reader can tell provider TTFT from the pipeline's time before the LLM.
import { SERVER_TTFT_STAGE } from '../telemetry/span-names.ts'
import { formatMs } from './format-ms.ts'
import type { Report } from './report-types.ts'

type Summary = NonNullable<Report['client_ttft_ms']>

export type StreamRow = { name: string; unit: string; summary: Summary }

export function streamRows(report: Report): StreamRow[] {
  const rows: StreamRow[] = []
  const add = (name: string, unit: string, summary: Summary | undefined) => {
    if (summary) rows.push({ name, unit, summary })
  }
  add('TTFT (client)', 'ms', report.client_ttft_ms)
  add('ITL (pooled gaps)', 'ms', report.client_itl_ms)
  add('TPOT (per request)', 'ms', report.client_tpot_ms)
  add('output tokens/s', 'tok/s', report.output_tokens_per_s)
  const server = report.stages[SERVER_TTFT_STAGE]
  if (server && report.client_ttft_ms) {
    add('TTFT (server, llm_generation)', 'ms', {
      p50: server.p50_ms,
      p90: server.p90_ms,
      p95: server.p95_ms,
      p99: server.p99_ms,
      max: server.max_ms,
      count: server.count,
    })
  }
  return rows
}

export function formatStreamValue(value: number, unit: string): string {
  return unit === 'ms' ? formatMs(value) : value.toFixed(1)
}

export function goodputLine(report: Report): string | undefined {
  const g = report.goodput
  if (!g) return undefined
  const slo = Object.entries(g.slo)
    .map(([key, ms]) => `${key.replace(/_ms$/, '')} ≤ ${formatMs(ms)} ms`)
    .join(', ')
  return `Goodput (${slo}): ${(g.share * 100).toFixed(1)}% of streamed requests · ${g.rps.toFixed(1)} req/s`
}

export function streamAccountingLine(report: Report): string | undefined {
  const s = report.stream_requests
  if (!s) return undefined
  const failures = Object.entries(s.failures)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ')
  return `Streamed requests: ${s.count} answered · ${s.ok} complete${failures ? ` · failed: ${failures}` : ''}`
}
