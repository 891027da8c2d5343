// report.html's "Streamed answers" section: the client's TTFT, ITL, TPOT and output tokens/s
// beside the server's first-token stage, goodput, and one chart per latency figure with its
// budgets drawn as markers. The charts are server-rendered SVG (no script, readable in print):
// a bar per percentile on a linear ms axis from 0, and a vertical line per budget on the
// figure, red when the budget failed, amber when inconclusive.

import type { BudgetResult, Report } from '../../contract/report-types.ts'
import { SERVER_TTFT_STAGE } from '../../contract/span-names.ts'
import { budgetLimitText, budgetStatus } from '../report-figures.ts'
import {
  formatStreamValue,
  goodputLine,
  serverTtft,
  streamAccountingLine,
  streamRows,
} from '../stream-lines.ts'
import { placeholder } from './analysis-sections.ts'
import { escapeHtml as esc } from './inline-assets.ts'

type Figure = { id: string; title: string; summary: NonNullable<Report['client_ttft_ms']>; targets: string[] }

const WIDTH = 560
const ROW = 22
const LEFT = 48
const COLORS = { pass: '#2e7d32', fail: '#c62828', inconclusive: '#ef6c00', bar: '#5c7cfa' }

function budgetsOn(report: Report, base: string): BudgetResult[] {
  return report.budgets.filter((b) => b.target === base || b.target.startsWith(`${base}{`))
}

function figures(report: Report): Figure[] {
  const list: Figure[] = []
  const add = (id: string, title: string, summary: Figure['summary'] | undefined, targets: string[]) => {
    if (summary && summary.count > 0) list.push({ id, title, summary, targets })
  }
  add('ttft', 'Time to first token (client)', report.client_ttft_ms, ['ttft'])
  add('itl', 'Inter-token latency (every gap)', report.client_itl_ms, ['itl'])
  add('tpot', 'Time per output token (per request)', report.client_tpot_ms, ['tpot'])
  add('server-ttft', 'Time to first token (server, llm_generation)', serverTtft(report), [SERVER_TTFT_STAGE])
  return list
}

function chart(report: Report, figure: Figure): string {
  const budgets = figure.targets.flatMap((t) => budgetsOn(report, t)).filter((b) => b.unit === 'ms')
  const bars: [string, number][] = [
    ['p50', figure.summary.p50],
    ['p90', figure.summary.p90],
    ['p95', figure.summary.p95],
    ['p99', figure.summary.p99],
  ]
  const top = Math.max(figure.summary.p99, ...budgets.map((b) => b.limit)) * 1.15 || 1
  const x = (ms: number) => LEFT + ((WIDTH - LEFT - 10) * ms) / top
  // Budget labels alternate between two lines so that neighbouring markers stay legible.
  const height = bars.length * ROW + 40
  const rects = bars
    .map(
      ([label, value], i) =>
        `<text x="${LEFT - 6}" y="${i * ROW + 15}" text-anchor="end" font-size="11">${label}</text><rect class="stream-bar" data-percentile="${label}" x="${LEFT}" y="${i * ROW + 4}" width="${Math.max(1, x(value) - LEFT).toFixed(1)}" height="${ROW - 8}" fill="${COLORS.bar}"><title>${label} ${esc(formatStreamValue(value, 'ms'))} ms</title></rect>`,
    )
    .join('')
  const markers = budgets
    .map((b, i) => {
      const narrowed = b.target.includes('{') ? `${b.target.slice(b.target.indexOf('{'))} ` : ''
      const labelY = bars.length * ROW + 12 + (i % 2) * 11
      const status = !b.pass ? 'fail' : budgetStatus(b) === 'inconclusive' ? 'inconclusive' : 'pass'
      const at = x(b.limit).toFixed(1)
      return `<line class="budget-marker ${status}" data-target="${esc(b.target)}" data-metric="${esc(b.metric)}" x1="${at}" x2="${at}" y1="0" y2="${bars.length * ROW}" stroke="${COLORS[status]}" stroke-width="2" stroke-dasharray="4 3"><title>${esc(`${b.target} ${b.metric} ${budgetLimitText(b)}: ${status}`)}</title></line><text x="${at}" y="${labelY}" font-size="10" text-anchor="middle" fill="${COLORS[status]}">${esc(`${narrowed}${b.metric} ${budgetLimitText(b)}`)}</text>`
    })
    .join('')
  const axis = `<line x1="${LEFT}" x2="${WIDTH - 10}" y1="${bars.length * ROW + 26}" y2="${bars.length * ROW + 26}" stroke="#999"/><text x="${LEFT}" y="${height - 2}" font-size="10">0</text><text x="${WIDTH - 10}" y="${height - 2}" font-size="10" text-anchor="end">${esc(formatStreamValue(top, 'ms'))} ms</text>`
  return `<figure class="chart stream-chart" id="chart-stream-${figure.id}"><svg role="img" aria-label="${esc(figure.title)}" viewBox="0 0 ${WIDTH} ${height}" width="100%" preserveAspectRatio="xMinYMin meet">${rects}${markers}${axis}</svg><figcaption>${esc(figure.title)}: p50–p99 (n=${figure.summary.count}); dashed lines are its budgets, red when failed.</figcaption></figure>`
}

export function renderStreaming(report: Report): string {
  const rows = streamRows(report)
  if (rows.length === 0)
    return placeholder('No streamed requests in this run (stream: true on a request kind times them).')
  const tableRows = rows
    .map(
      (r) =>
        `<tr><td class="key">${esc(r.name)} (${esc(r.unit)})</td><td class="num">${r.summary.count}</td>${[r.summary.p50, r.summary.p90, r.summary.p95, r.summary.p99, r.summary.max].map((v) => `<td class="num">${esc(formatStreamValue(v, r.unit))}</td>`).join('')}</tr>`,
    )
    .join('')
  const table = `<div class="table-wrap"><table id="stream-figures"><thead><tr><th>figure</th><th class="num">n</th><th class="num">p50</th><th class="num">p90</th><th class="num">p95</th><th class="num">p99</th><th class="num">max</th></tr></thead><tbody>${tableRows}</tbody></table></div>`
  const lines = [goodputLine(report), streamAccountingLine(report)].filter((line): line is string => !!line)
  const facts = lines.map((line) => `<p class="stream-fact">${esc(line)}</p>`).join('')
  return `<p class="lede small muted">As vLLM's <code>bench serve</code> defines them: TTFT from the send time (the intended one in the open model) to the first content chunk; ITL every gap between consecutive chunks, pooled; TPOT = (e2e − TTFT)/(output tokens − 1) per request. The server's TTFT (llm_generation's start to its first token) shows the provider's share; the rest is the pipeline before the LLM.</p>${table}${facts}<div class="charts">${figures(
    report,
  )
    .map((f) => chart(report, f))
    .join('')}</div>`
}
