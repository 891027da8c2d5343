// The report sections drawn from the trace analysis (report.analysis, contract/analysis-schema.ts):
// where the time goes, errors and root causes, the dependency map and span hygiene.

import type { AnalysisResults, BreakdownLevel } from '../../contract/analysis-schema.ts'
import type { Report } from '../../contract/report-types.ts'
import { SPAN } from '../../contract/span-names.ts'
import { formatMs } from '../render-console.ts'
import { escapeHtml as esc } from './inline-assets.ts'

export function percent(ratio: number, digits = 1): string {
  return `${(ratio * 100).toFixed(digits)}%`
}

function shareBar(ratio: number, error = false): string {
  const width = Math.max(0, Math.min(1, ratio)) * 100
  return `<span class="share${error ? ' is-error' : ''}" style="width:${width.toFixed(1)}%"></span>`
}

export function placeholder(text: string): string {
  return `<p class="placeholder">${esc(text)}</p>`
}

function signedMs(deltaMs: number): string {
  if (Math.abs(deltaMs) < 0.005) return '0'
  return `${deltaMs < 0 ? '−' : '+'}${formatMs(Math.abs(deltaMs))}`
}

function levelTable(level: BreakdownLevel): string {
  if (level.traces === 0) return placeholder(`No traces with ${level.parent} were analysed.`)
  const maxDominant = Math.max(...level.stages.map((s) => s.dominates_slowest))
  const rows = level.stages.map((s) => {
    const dominant = s.dominates_slowest > 0 && s.dominates_slowest === maxDominant
    return `<tr><td class="key nowrap">${esc(s.stage)}</td><td class="num">${percent(s.present_share, 0)}</td><td class="num">${esc(formatMs(s.mean_duration_ms))} ms</td><td class="num">${esc(formatMs(s.mean_critical_path_ms))} ms</td><td class="num">${percent(s.share_p50)}</td><td class="bar-cell">${shareBar(s.share_p50)}</td><td class="num">${percent(s.share_p99)}</td><td class="bar-cell">${shareBar(s.share_p99)}</td><td class="num">${s.dominates_slowest} of ${level.slowest_traces}${dominant ? ' <span class="pill fail">dominant</span>' : ''}</td></tr>`
  })
  const fractions = level.stages[0]?.savings.map((x) => x.faster_by) ?? []
  const savingRows = level.stages
    .filter((s) => s.stage !== '(self)' && s.stage !== '(other)')
    .map(
      (s) =>
        `<tr><td class="key nowrap">${esc(s.stage)}</td>${s.savings
          .map(
            (x) =>
              `<td class="num">${esc(formatMs(x.p50_ms))} <span class="muted">(${esc(signedMs(x.p50_ms - level.p50_ms))})</span></td><td class="num">${esc(formatMs(x.p99_ms))} <span class="muted">(${esc(signedMs(x.p99_ms - level.p99_ms))})</span></td>`,
          )
          .join('')}</tr>`,
    )
  const savings =
    fractions.length === 0
      ? ''
      : `<h4>Potential savings: ${esc(level.parent)} p50 / p99 in ms if one stage were faster</h4><div class="table-wrap"><table><thead><tr><th rowspan="2">stage</th>${fractions
          .map((f) => `<th class="num" colspan="2">${percent(f, 0)} faster</th>`)
          .join(
            '',
          )}</tr><tr>${fractions.map(() => '<th class="num">p50</th><th class="num">p99</th>').join('')}</tr></thead><tbody>${savingRows.join('')}</tbody></table></div>`
  return `<p class="small muted"><code>${esc(level.parent)}</code> in ${level.traces} traces: p50 ${esc(formatMs(level.p50_ms))} ms, p99 ${esc(formatMs(level.p99_ms))} ms · shares averaged over the ${level.window_p50_traces} traces around p50 and the ${level.window_p99_traces} around p99 · slowest 1% = ${level.slowest_traces} traces</p><div class="table-wrap"><table><thead><tr><th>stage</th><th class="num">ran in</th><th class="num">mean duration</th><th class="num">mean on critical path</th><th class="num" colspan="2">share of time at p50</th><th class="num" colspan="2">share at p99</th><th class="num">largest in the slowest 1%</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>${savings}`
}

// Section 5.
export function renderWhereTimeGoes(analysis: AnalysisResults): string {
  const b = analysis.breakdown
  const headline = [b.pipeline, b.request]
    .filter((level) => level.traces > 0)
    .map((level) => {
      const top = [...level.stages].sort((x, y) => y.share_p99 - x.share_p99)[0]
      return top
        ? `At p99, <strong>${esc(top.stage)}</strong> is ${percent(top.share_p99, 0)} of <code>${esc(level.parent)}</code>'s time on the critical path.`
        : ''
    })
    .join(' ')
  return `<p class="lede">${headline} Each stage's share counts only its time on the critical path: a stage that runs in parallel with another counts only where it is the longer one. Potential savings: the parent's p50 and p99 recomputed over the collected traces with that stage's critical-path time shrunk by the fraction.</p>
<h3>Pipeline stages (${esc(SPAN.pipeline)})</h3>${levelTable(b.pipeline)}
<h3>Request (${esc(SPAN.server)})</h3>${levelTable(b.request)}
<p class="small muted">From a uniform reservoir of ${b.reservoir_size} of ${b.traces_seen} measured traces (capacity ${b.reservoir_capacity}).</p>
${b.method.length > 0 ? `<details class="small"><summary>Method</summary><ul>${b.method.map((m) => `<li>${esc(m)}</li>`).join('')}</ul></details>` : ''}`
}

export type ExemplarLinks = Map<string, string> // error path → anchor of a drawn exemplar

// Section 7.
export function renderRootCauses(report: Report, links: ExemplarLinks): string {
  const analysis = report.analysis
  const causes = analysis.root_causes.map((c) => ({ path: c.path, count: c.count, share: c.request_share }))
  const statusRows = Object.entries(report.load.status_codes)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([code, n]) => {
      const bad = Number(code) >= 400
      return `<tr${bad ? ' class="is-fail"' : ''}><td>${esc(code)}</td><td class="num">${n}</td><td class="num">${report.load.completed > 0 ? percent(n / report.load.completed) : '–'}</td></tr>`
    })
  if (report.load.errors > 0)
    statusRows.push(
      `<tr class="is-fail"><td>connection errors</td><td class="num">${report.load.errors}</td><td class="num"></td></tr>`,
    )
  if (report.load.timeouts > 0)
    statusRows.push(
      `<tr class="is-fail"><td>client timeouts</td><td class="num">${report.load.timeouts}</td><td class="num"></td></tr>`,
    )
  const statusTable = `<h3>Responses by status (client, whole run)</h3><div class="table-wrap"><table class="narrow"><thead><tr><th>status</th><th class="num">responses</th><th class="num">share</th></tr></thead><tbody>${statusRows.join('')}</tbody></table></div>`
  if (causes.length === 0) {
    return `<p class="lede">No measured trace had an error span.</p>${statusTable}`
  }
  const rows = causes.map((c) => {
    const anchor = links.get(c.path)
    const parts = c.path.split(' › ')
    const path = parts
      .map((p, i) => (i === parts.length - 1 ? `<strong>${esc(p)}</strong>` : esc(p)))
      .join(' <span class="muted">›</span> ')
    return `<tr><td class="key">${path}</td><td class="num">${c.count}</td><td class="num">${percent(c.share, 2)}</td><td class="bar-cell">${shareBar(c.share, true)}</td><td>${anchor ? `<a href="#${esc(anchor)}">waterfall</a>` : '<span class="muted">–</span>'}</td></tr>`
  })
  const other =
    analysis.root_causes_other > 0
      ? `<p class="small muted">${analysis.root_causes_other} failed traces of further kinds are not listed.</p>`
      : ''
  return `<p class="lede">Failed traces after warm-up, grouped by the path from the root to their deepest error span (among retries, the last failing attempt). A trace counts here when any span failed, even if a retry then succeeded.</p>
<div class="table-wrap"><table><thead><tr><th>deepest error path</th><th class="num">traces</th><th class="num">share of requests</th><th class="bar-cell"></th><th>exemplar</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>${other}${statusTable}`
}

// Section 8.
export function renderDependencyMap(analysis: AnalysisResults): string {
  if (analysis.dependencies.length === 0) return placeholder('No dependency calls were traced.')
  const rows = analysis.dependencies.map(
    (d) =>
      `<tr${d.error_rate > 0 ? ' class="has-errors"' : ''}><td class="key nowrap">${esc(d.dependency)}</td><td class="num">${percent(d.request_share)}</td><td class="num">${d.calls}</td><td class="num">${d.calls_per_request.toFixed(2)}</td><td class="num">${d.retries} (${percent(d.retry_share)})</td><td class="num">${d.error_spans} (${percent(d.error_rate, 2)})</td><td class="num">${percent(d.failed_request_rate, 2)}</td><td class="num">${esc(formatMs(d.latency_ms.p50))}</td><td class="num">${esc(formatMs(d.latency_ms.p99))}</td><td class="num">${esc(formatMs(d.latency_ms.max))}</td></tr><tr class="impact"><td></td><td colspan="9" class="small muted">${esc(d.impact)}</td></tr>`,
  )
  return `<p class="lede">Each dependency the traces called (client spans by <code>peer.service</code>). Calls per request above 1 are retries.</p><div class="table-wrap"><table><thead><tr><th>dependency</th><th class="num">requests calling it</th><th class="num">calls</th><th class="num">calls / request</th><th class="num">retries</th><th class="num">error spans</th><th class="num">failed requests</th><th class="num">p50 ms</th><th class="num">p99 ms</th><th class="num">max ms</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`
}

const CHECK_TITLES: Record<string, string> = {
  high_cardinality: 'High-cardinality attribute',
  vague_name: 'Vague span name',
  sub_millisecond: 'Mostly under 1 ms',
  error_without_type: 'Error without error.type',
  error_without_exception: 'Error without a recorded exception',
  unended_spans: 'Unended spans',
}

// Section 11.
export function renderHygiene(analysis: AnalysisResults): string {
  const h = analysis.hygiene
  const findings =
    h.findings.length === 0
      ? `<p><span class="pill pass">clean</span> No findings in ${h.spans_checked} spans.</p>`
      : `<div class="table-wrap"><table><thead><tr><th>check</th><th>span</th><th>finding</th><th>example</th></tr></thead><tbody>${h.findings
          .map(
            (f) =>
              `<tr><td><span class="pill warn">${esc(CHECK_TITLES[f.check] ?? f.check)}</span></td><td class="key nowrap">${esc(f.span_name)}</td><td>${esc(f.message)}</td><td><code>${esc(f.example)}</code></td></tr>`,
          )
          .join('')}</tbody></table></div>`
  const cardinality =
    h.attribute_cardinality.length === 0
      ? ''
      : `<details><summary>Attribute cardinality (${h.attribute_cardinality.length} span/key pairs with the most distinct values)</summary><div class="table-wrap"><table><thead><tr><th>span</th><th>key</th><th class="num">distinct</th><th class="num">spans</th><th>type</th><th>examples</th></tr></thead><tbody>${h.attribute_cardinality
          .map(
            (c) =>
              `<tr><td class="key nowrap">${esc(c.span_name)}</td><td class="key">${esc(c.key)}</td><td class="num">${c.distinct}${c.capped ? '+' : ''}</td><td class="num">${c.spans}</td><td>${esc(c.value_type)}</td><td>${c.examples.map((e) => `<code>${esc(e)}</code>`).join(', ')}</td></tr>`,
          )
          .join('')}</tbody></table></div></details>`
  return `<p class="lede">The seed's tracing best practices, checked on ${h.spans_checked} collected spans.</p>${findings}${cardinality}`
}
