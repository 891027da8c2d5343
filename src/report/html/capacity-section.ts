// The HTML report's capacity section: the answer, then per budgeted stage p50/p95/p99 against
// the offered rate (log axis), the budget limits as lines and the knee (the capacity) marked, as
// inline SVG drawn here from report.capacity (readable without JavaScript, nothing fetched).
import type { CapacitySection, CapacityStep } from '../../contract/capacity-schema.ts'
import type { Report } from '../../contract/report-types.ts'
import { capacityAnswerText } from '../capacity-text.ts'
import { formatMs } from '../format-ms.ts'
import { placeholder } from './analysis-sections.ts'
import { escapeHtml as esc } from './inline-assets.ts'

const WIDTH = 560
const HEIGHT = 260
const PAD = { left: 68, right: 16, top: 14, bottom: 36 }
const SERIES = [
  { metric: 'p50', field: 'p50_ms', color: '#2b6cb0' },
  { metric: 'p95', field: 'p95_ms', color: '#dd6b20' },
  { metric: 'p99', field: 'p99_ms', color: '#c53030' },
] as const

function chart(stage: string, steps: readonly CapacityStep[], c: CapacitySection): string {
  const points = steps
    .filter((s) => s.stages[stage] && s.stages[stage].count > 0)
    .sort((a, b) => a.rate_rps - b.rate_rps)
  if (points.length === 0) return ''
  const limits = c.limits.filter((l) => l.target === stage)
  const rates = points.map((s) => s.rate_rps)
  const values = points.flatMap((s) => SERIES.map((m) => s.stages[stage]![m.field]))
  const xMin = Math.log(Math.min(...rates) / 1.1)
  const xMax = Math.log(Math.max(...rates) * 1.1)
  const yMax = Math.max(...values, ...limits.map((l) => l.limit)) * 1.1 || 1
  const x = (rate: number) =>
    PAD.left + ((Math.log(rate) - xMin) / (xMax - xMin || 1)) * (WIDTH - PAD.left - PAD.right)
  const y = (value: number) => HEIGHT - PAD.bottom - (value / yMax) * (HEIGHT - PAD.top - PAD.bottom)
  const f = (n: number) => n.toFixed(1)
  // Several measurements of one rate: the line goes through each rate's mean.
  const byRate = [...new Set(rates)].map((rate) => {
    const at = points.filter((s) => s.rate_rps === rate)
    return {
      rate,
      of: (field: (typeof SERIES)[number]['field']) =>
        at.reduce((sum, s) => sum + s.stages[stage]![field], 0) / at.length,
    }
  })
  const lines = SERIES.map(
    (m) =>
      `<polyline fill="none" stroke="${m.color}" stroke-width="2" points="${byRate.map((p) => `${f(x(p.rate))},${f(y(p.of(m.field)))}`).join(' ')}"><title>${esc(`${stage} ${m.metric}`)}</title></polyline>`,
  )
  const dots = points.map((s) => {
    const cls = s.verdict === 'pass' ? '#2f855a' : s.verdict === 'untrusted' ? '#975a16' : '#c53030'
    return `<circle cx="${f(x(s.rate_rps))}" cy="${f(y(s.stages[stage]!.p95_ms))}" r="3.5" fill="${cls}"><title>${esc(`${s.rate_rps} req/s: ${s.verdict}; p50 ${formatMs(s.stages[stage]!.p50_ms)} · p95 ${formatMs(s.stages[stage]!.p95_ms)} · p99 ${formatMs(s.stages[stage]!.p99_ms)} ms`)}</title></circle>`
  })
  const limitLines = limits.map(
    (l) =>
      `<line class="budget-line" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${f(y(l.limit))}" y2="${f(y(l.limit))}" stroke="#718096" stroke-dasharray="5 4"/><text x="${WIDTH - PAD.right - 4}" y="${f(y(l.limit) - 4)}" text-anchor="end" font-size="11">${esc(`${l.metric} budget ${formatMs(l.limit)} ms`)}</text>`,
  )
  const knee =
    c.rate_rps !== null
      ? `<line class="knee" x1="${f(x(c.rate_rps))}" x2="${f(x(c.rate_rps))}" y1="${PAD.top}" y2="${HEIGHT - PAD.bottom}" stroke="#2f855a" stroke-width="1.5"/><text x="${f(x(c.rate_rps) + 4)}" y="${PAD.top + 10}" font-size="11">${esc(`knee: ${c.rate_rps} req/s`)}</text>`
      : ''
  const ticks = [...new Set(rates)].map(
    (rate) =>
      `<text x="${f(x(rate))}" y="${HEIGHT - PAD.bottom + 14}" text-anchor="middle" font-size="10">${esc(rate)}</text>`,
  )
  const yTicks = [0, 0.5, 1].map(
    (k) =>
      `<text x="${PAD.left - 6}" y="${f(y(k * yMax) + 4)}" text-anchor="end" font-size="10">${esc(`${formatMs(k * yMax)} ms`)}</text>`,
  )
  const axes = `<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${HEIGHT - PAD.bottom}" stroke="#a0aec0"/><line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${HEIGHT - PAD.bottom}" y2="${HEIGHT - PAD.bottom}" stroke="#a0aec0"/><text x="${(WIDTH + PAD.left) / 2}" y="${HEIGHT - 4}" text-anchor="middle" font-size="11">offered rate (req/s, log scale)</text>`
  const legend = SERIES.map((m) => `<span style="color:${m.color}">■</span> ${m.metric}`).join(' · ')
  return `<figure class="capacity-chart" data-stage="${esc(stage)}"><figcaption><code>${esc(stage)}</code> — ${legend} · dots: step verdict at p95 (green pass, red fail, brown untrusted)</figcaption><svg role="img" aria-label="${esc(`${stage} latency against offered rate`)}" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" style="max-width:${WIDTH}px">${axes}${yTicks.join('')}${ticks.join('')}${limitLines.join('')}${knee}${lines.join('')}${dots.join('')}</svg></figure>`
}

function stepsTable(c: CapacitySection): string {
  const rows = c.steps.map((s) => {
    const why = s.trusted
      ? s.budgets_failed.map((b) => `${b.target} ${b.metric} ${b.verdict}`).join('; ')
      : s.untrusted_reasons.join('; ')
    return `<tr><td>${esc(s.rate_rps)}</td><td>${esc(s.achieved_rps.toFixed(1))}</td><td>${esc(s.reason)}</td><td><span class="pill ${s.verdict === 'pass' ? 'pass' : s.verdict === 'inconclusive' ? 'warn' : 'fail'}">${esc(s.verdict)}</span></td><td>${esc(why || '–')}</td></tr>`
  })
  return `<div class="table-wrap"><table><thead><tr><th>offered req/s</th><th>achieved req/s</th><th>why this step</th><th>verdict</th><th>what failed</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`
}

export function renderCapacity(report: Report): string {
  const c = report.capacity
  if (!c) {
    return placeholder(
      'Not searched in this run: run with --find-capacity, or give the scenario a capacity: { min_rps: N } budget.',
    )
  }
  const stages = [...new Set(c.steps.flatMap((s) => Object.keys(s.stages)))]
  return [
    `<p class="capacity-answer"><strong>${esc(capacityAnswerText(c))}</strong></p>`,
    `<p class="small">${esc(c.steps.length)} steps in ${esc(c.elapsed_s.toFixed(0))} s: ${esc(c.config.from_rps)}–${esc(c.config.to_rps)} req/s, ${esc(c.config.step_s)} s each after a ${esc(c.config.warmup_s)} s warm-up, precision ${esc((c.config.precision * 100).toFixed(1))}%.${c.notes.length > 0 ? ` ${esc(c.notes.join('; '))}.` : ''}</p>`,
    ...stages.map((stage) => chart(stage, c.steps, c)),
    `<h3>Steps</h3>${stepsTable(c)}`,
    `<details><summary>How it was measured</summary><ul>${c.method.map((m) => `<li>${esc(m)}</li>`).join('')}</ul></details>`,
  ].join('')
}
