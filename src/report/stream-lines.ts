// The streamed-answer figures of a report as plain lines (console and summary.md share them):
// TTFT, ITL, TPOT, output tokens/s and goodput, each with the server-side first-token stage
// beside it so a reader can tell provider TTFT from the pipeline's time before the LLM.

import type { Report } from '../contract/report-types.ts'
import { SERVER_TTFT_STAGE } from '../contract/span-names.ts'
import { formatMs } from './format-ms.ts'

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
  const server = serverTtft(report)
  if (server && report.client_ttft_ms) add('TTFT (server, llm_generation)', 'ms', server)
  return rows
}

// The server-side first-token stage (llm_generation.time_to_first_token) in the client figures' shape.
export function serverTtft(report: Report) {
  const server = report.stages[SERVER_TTFT_STAGE]
  if (!server) return undefined
  return {
    p50: server.p50_ms,
    p90: server.p90_ms,
    p95: server.p95_ms,
    p99: server.p99_ms,
    max: server.max_ms,
    count: server.count,
  }
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

// summary.md: the streamed-answer figures as a Markdown table (empty when nothing streamed).
export function streamMarkdownLines(report: Report): string[] {
  const rows = streamRows(report)
  if (rows.length === 0) return []
  const cells = (r: StreamRow) =>
    [r.summary.p50, r.summary.p95, r.summary.p99, r.summary.max].map((v) => formatStreamValue(v, r.unit))
  const lines = [
    '**Streamed answers** (TTFT from the send time; ITL every gap between chunks; TPOT = (e2e − TTFT)/(tokens − 1), as vLLM)',
    '',
    '| Figure | n | p50 | p95 | p99 | max |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.name} (${r.unit}) | ${r.summary.count} | ${cells(r).join(' | ')} |`),
  ]
  const extra = [goodputLine(report), streamAccountingLine(report)].filter((line): line is string => !!line)
  return [...lines, ...(extra.length > 0 ? ['', ...extra] : []), '']
}

// junit.xml: the same figures as suite properties (the budgets on them are test cases already).
export function streamProperties(report: Report): [string, string][] {
  const props: [string, string][] = []
  const add = (name: string, summary: Summary | undefined) => {
    if (summary) props.push([name, summary.count > 0 ? summary.p95.toFixed(3) : ''])
  }
  add('client_ttft_p95_ms', report.client_ttft_ms)
  add('client_itl_p95_ms', report.client_itl_ms)
  add('client_tpot_p95_ms', report.client_tpot_ms)
  if (report.goodput) props.push(['goodput_share', report.goodput.share.toFixed(4)])
  return props
}
