// report.html: one self-contained file for reviewers, rendered only from the report data.
// Verdict, tables and waterfalls are server-rendered HTML (readable without JavaScript and in
// print); charts are drawn by uPlot, inlined with the page's own script, from aggregates
// embedded as JSON. A Content-Security-Policy with script hashes forbids every network request
// and every script but the page's own, so even an unescaped string could not run.
//
// Size bound: the page holds aggregates (stages × percentiles, one row per second of the run)
// and at most 3 + MAX_ERROR_KINDS (8) exemplar traces of at most MAX_SPANS_PER_WATERFALL spans
// each, plus uPlot (~50 KB) and the page's CSS and script (~20 KB). Its size does not grow with
// the number of requests; for a 20 s run it is about 150–250 KB.
import { createHash } from 'node:crypto'
import type { BudgetResult, Report } from '../contract/report-types.ts'
import { STAGE_SPAN_NAMES } from '../contract/span-names.ts'
import {
  placeholder,
  renderDependencyMap,
  renderHygiene,
  renderRootCauses,
  renderWhereTimeGoes,
} from './html/analysis-sections.ts'
import { renderCapacity } from './html/capacity-section.ts'
import { chartData } from './html/chart-data.ts'
import { type ChosenExemplar, chooseExemplars, traceAnchor } from './html/choose-exemplars.ts'
import { escapeHtml as esc, inlineAssets, scriptSafeJson } from './html/inline-assets.ts'
import { intervalSeconds, mergeIntervals } from './html/merge-intervals.ts'
import { pageAssets } from './html/page-assets.ts'
import { renderScenario } from './html/scenario-section.ts'
import { renderStreaming } from './html/stream-section.ts'
import { renderOverhead, renderTrust } from './html/trust-sections.ts'
import { renderWaterfall } from './html/waterfall.ts'
import { renderWhatIf } from './html/what-if-section.ts'
import { redactReport } from './redact-secrets.ts'
import { formatMs, orderedStageKeys } from './render-console.ts'
import {
  budgetEvidenceText,
  budgetLimitText,
  budgetMargin,
  budgetStatus,
  budgetStatusText,
  budgetsFailingFirst,
  budgetToDecideText,
  formatBudgetValue,
  overallVerdict,
  trustHeadline,
  trustReasons,
  verdictDetail,
} from './report-figures.ts'
import { isTargetRun, serverSpanOf } from './server-span.ts'

export const SECTION_IDS = [
  'verdict',
  'budgets',
  'stages',
  'streaming',
  'over-time',
  'where-time-goes',
  'exemplars',
  'errors',
  'dependencies',
  'trust',
  'overhead',
  'capacity',
  'what-if',
  'hygiene',
  'scenario',
] as const

const TITLES: Record<(typeof SECTION_IDS)[number], string> = {
  verdict: 'Verdict',
  budgets: 'Budgets',
  stages: 'Stages',
  streaming: 'Streamed answers',
  'over-time': 'Over time',
  'where-time-goes': 'Where the time goes',
  exemplars: 'Exemplar traces',
  errors: 'Errors and root causes',
  dependencies: 'Dependency map',
  trust: 'Trust',
  overhead: 'Sampling overhead',
  capacity: 'Capacity',
  'what-if': 'Predicted vs measured',
  hygiene: 'Span hygiene',
  scenario: 'Scenario',
}

// The interval table (inside a <details>) lists at most this many rows; the charts draw more.
const MAX_TABLE_ROWS = 120

function section(id: (typeof SECTION_IDS)[number], body: string): string {
  const n = SECTION_IDS.indexOf(id) + 1
  return `<section id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h"><span class="num">${n}</span>${esc(TITLES[id])}</h2>${body}</section>`
}

function pill(pass: boolean, passText = 'PASS', failText = 'FAIL'): string {
  return pass ? `<span class="pill pass">${passText}</span>` : `<span class="pill fail">${failText}</span>`
}

// PASS, FAIL, or INCONCLUSIVE: red when it failed the run (a full run), amber when a warning.
function budgetPill(b: BudgetResult): string {
  if (budgetStatus(b) !== 'inconclusive') return pill(b.pass)
  return `<span class="pill ${b.pass ? 'warn' : 'fail'}">${esc(budgetStatusText(b))}</span>`
}

// "n=120 · 95% CI [812 ms, unbounded]", and for an inconclusive budget the run that would decide it.
function budgetEvidenceHtml(b: BudgetResult): string {
  const decide = budgetToDecideText(b)
  return `${esc(budgetEvidenceText(b) || '–')}${decide ? `<br><span class="small">${esc(decide)}</span>` : ''}`
}

function ms(value: number): string {
  return esc(formatMs(value))
}

function fact(label: string, valueHtml: string): string {
  return `<div><dt>${esc(label)}</dt><dd>${valueHtml}</dd></div>`
}

function budgetLine(b: BudgetResult): string {
  const margin = budgetMargin(b)
  const inconclusive = budgetStatus(b) === 'inconclusive'
  const detail = inconclusive
    ? ` — ${esc(b.note ?? budgetStatusText(b))}`
    : margin
      ? ` (${esc(margin.text)}, ${esc(margin.ratioText)})`
      : b.note
        ? ` — ${esc(b.note)}`
        : ''
  return `<code>${esc(b.target)}</code> ${esc(b.metric)}: actual ${esc(formatBudgetValue(b.actual, b.unit))}, limit ${esc(budgetLimitText(b))}${detail}`
}

// 1. Verdict
function renderVerdict(report: Report): string {
  const verdict = overallVerdict(report)
  const failing = report.budgets.filter((b) => !b.pass)
  const env = report.environment
  const c = report.client_latency_ms
  const s = report.scenario
  const warnings: string[] = []
  const status = String(report.status)
  if (status === 'interrupted')
    warnings.push('The run was interrupted: the numbers cover only what ran before it stopped.')
  else if (status !== 'complete')
    warnings.push(
      `The run is ${status}: ${report.status_reason ?? 'the endpoint stopped before the end (crashed or was killed), so server-side figures are missing or partial'}.`,
    )
  if (!report.accounting.ok)
    warnings.push(`Accounting mismatch: ${report.accounting.notes.join('; ') || 'see the trust section'}.`)
  const reasons = trustReasons(report)
  const facts = [
    fact(
      'started',
      `<time datetime="${esc(report.started_at)}">${esc(report.started_at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}</time>`,
    ),
    fact('measured', `${report.duration_s.toFixed(1)} s after ${esc(report.warmup_s)} s warm-up`),
    fact(
      'load',
      `${esc(report.load.driver)}${report.load.connections !== undefined ? `, ${report.load.connections} connections` : ''}`,
    ),
    fact(
      'requests',
      `${report.load.sent} sent, ${report.load.completed} completed, ${report.load.rps.toFixed(1)} req/s`,
    ),
    fact(
      'client latency',
      c.count > 0
        ? `p50 ${ms(c.p50)} ms · p99 ${ms(c.p99)} ms · max ${ms(c.max)} ms`
        : 'no responses after warm-up',
    ),
    fact('sampler', esc(report.sampler)),
    fact(
      'git',
      env.git_sha
        ? `<code title="${esc(env.git_sha)}">${esc(env.git_sha.slice(0, 12))}</code>`
        : 'not a git checkout',
    ),
    fact('Node', esc(env.node)),
    fact('machine', `${esc(env.platform)}, ${env.cpus} × ${esc(env.cpu_model)}`),
    fact('seed', esc(s.seed)),
  ]
  const warned = report.budgets.filter((b) => b.pass && budgetStatus(b) === 'inconclusive')
  const failingList =
    (failing.length > 0
      ? `<h3>Failing budgets</h3><ul class="failing">${failing.map((b) => `<li>${budgetLine(b)}</li>`).join('')}</ul>`
      : '') +
    (warned.length > 0
      ? `<h3>Inconclusive budgets (warnings)</h3><ul class="warning">${warned.map((b) => `<li>${budgetLine(b)}</li>`).join('')}</ul>`
      : '')
  return `<header id="verdict" class="verdict is-${verdict}" aria-labelledby="verdict-h">
<h1 id="verdict-h"><span class="badge ${verdict}">${verdict.toUpperCase()}</span>${esc(s.name)}</h1>
<p><strong>${esc(verdictDetail(report))}</strong> · ${esc(trustHeadline(report))}${report.status !== 'complete' ? ` · <strong>${esc(report.status)}</strong>` : ''}</p>
${reasons.length > 0 ? `<div class="warning"><strong>Why the numbers cannot be trusted as they are:</strong><ul>${reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul></div>` : ''}
${s.description ? `<p class="lede">${esc(s.description)}</p>` : ''}
${warnings.map((w) => `<p class="warning">${esc(w)}</p>`).join('')}
${failingList}
<dl class="facts">${facts.join('')}</dl>
</header>`
}

// 2. Budgets
function renderBudgets(report: Report): string {
  if (report.budgets.length === 0) return placeholder('No budgets declared in the scenario.')
  const rows = budgetsFailingFirst(report.budgets).map((b) => {
    const margin = budgetMargin(b)
    return `<tr${b.pass ? '' : ' class="is-fail"'}><td class="key">${esc(b.target)}</td><td>${esc(b.metric)}</td><td class="num">${esc(budgetLimitText(b))}</td><td class="num">${esc(formatBudgetValue(b.actual, b.unit))}</td><td class="num">${margin ? esc(margin.text) : '–'}</td><td class="num">${margin ? esc(margin.ratioText) : '–'}</td><td class="small">${budgetEvidenceHtml(b)}</td><td>${budgetPill(b)}${b.note ? ` <span class="small muted">${esc(b.note)}</span>` : ''}</td></tr>`
  })
  return `<p class="lede small muted">Margin: how far the actual value is from the limit, positive when within it (error rates in percentage points). Percentiles and error rates are decided on their 95% confidence interval (n = spans): pass when it lies wholly within the limit, fail when wholly beyond, inconclusive when it straddles the limit. Failing budgets first.</p><div class="table-wrap"><table><thead><tr><th>target</th><th>metric</th><th class="num">limit</th><th class="num">actual</th><th class="num">margin</th><th class="num">margin %</th><th>decided on</th><th>result</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`
}

// 3. Stages
function renderStages(report: Report, hasHistograms: boolean, histogramSource: string): string {
  const keys = orderedStageKeys(report.stages)
  if (keys.length === 0) return placeholder('No spans were recorded after warm-up.')
  const budgetsByTarget = new Map<string, BudgetResult[]>()
  for (const b of report.budgets) budgetsByTarget.set(b.target, [...(budgetsByTarget.get(b.target) ?? []), b])
  const known = new Set(STAGE_SPAN_NAMES)
  const groups: [string, string[]][] = [
    ['Pipeline stages', keys.filter((k) => known.has(k))],
    ['Narrowed by attributes', keys.filter((k) => !known.has(k) && k.includes('{'))],
    [
      'Dependency calls (client spans) and other spans',
      keys.filter((k) => !known.has(k) && !k.includes('{')),
    ],
  ]
  const row = (key: string) => {
    const s = report.stages[key]!
    const v = (x: number) => (s.count === 0 ? '–' : ms(x))
    const budgets = (budgetsByTarget.get(key) ?? [])
      .map(
        (b) =>
          `<span class="pill ${!b.pass ? 'fail' : budgetStatus(b) === 'inconclusive' ? 'warn' : 'pass'}"${budgetStatus(b) === 'inconclusive' ? ' title="inconclusive"' : ''}>${esc(b.metric)} ${esc(budgetLimitText(b))}</span>`,
      )
      .join(' ')
    const failed = (budgetsByTarget.get(key) ?? []).some((b) => !b.pass)
    return `<tr${failed ? ' class="is-fail"' : ''}><td class="key">${esc(key)}</td><td class="num">${s.count}</td><td class="num">${s.error_count > 0 ? `${s.error_count} (${((s.error_count / s.count) * 100).toFixed(1)}%)` : '0'}</td><td class="num">${v(s.p50_ms)}</td><td class="num">${v(s.p90_ms)}</td><td class="num">${v(s.p95_ms)}</td><td class="num">${v(s.p99_ms)}</td><td class="num">${v(s.p999_ms)}</td><td class="num">${v(s.max_ms)}</td><td>${budgets}</td></tr>`
  }
  const body = groups
    .filter(([, list]) => list.length > 0)
    .map(
      ([title, list]) =>
        `<tr class="group"><th colspan="10">${esc(title)}</th></tr>${list.map(row).join('')}`,
    )
    .join('')
  const table = `<div class="table-wrap"><table><thead><tr><th>stage</th><th class="num">count</th><th class="num">errors</th><th class="num">p50 ms</th><th class="num">p90</th><th class="num">p95</th><th class="num">p99</th><th class="num">p99.9</th><th class="num">max</th><th>budgets</th></tr></thead><tbody>${body}</tbody></table></div>`
  return `<p class="lede small muted">Span durations after warm-up, from HDR histograms (3 significant digits). ${esc(serverSpanOf(report))} is the whole request as the ${isTargetRun(report) ? 'service' : 'endpoint'} saw it.</p>${table}
<div class="charts">
<figure class="chart chart-wide" id="chart-stage-percentiles"><div class="plot"></div><figcaption>p50, p95 and p99 per stage (log axis); vertical ticks are the latency budgets, red when failed.</figcaption></figure>
<figure class="chart chart-wide" id="chart-stage-ladder"><div class="plot"></div><figcaption>Latency by percentile per stage (both axes log): a steep right end is a heavy tail.</figcaption></figure>
</div>
<h3>Latency histograms</h3>
${hasHistograms ? `<p class="small muted">${esc(histogramSource)}</p><div class="charts" id="stage-histograms"></div>` : placeholder('No histogram data in this report (no stage histograms and too few sampled traces).')}`
}

// 4. Over time
function renderOverTime(report: Report, hasStageSeries: boolean): string {
  if (report.intervals.length === 0) return placeholder('No intervals recorded.')
  const merged = mergeIntervals(report.intervals, MAX_TABLE_ROWS)
  const step = merged[0]?.seconds ?? 1
  const rows = merged.map((iv) => {
    const errors = Object.entries(iv.status_codes)
      .filter(([code]) => Number(code) >= 400)
      .map(([code, n]) => `${esc(code)}×${n}`)
    if (iv.errors > 0) errors.push(`no response×${iv.errors}`)
    return `<tr${iv.warmup ? ' class="muted"' : ''}><td class="num">${(iv.start_ms / 1000).toFixed(0)}s</td><td>${iv.warmup ? 'warm-up' : ''}</td><td class="num">${iv.requests}</td><td>${errors.join(' ') || '–'}</td><td class="num">${iv.p50_ms === null ? '–' : ms(iv.p50_ms)}</td><td class="num">${iv.p99_ms === null ? '–' : ms(iv.p99_ms)}</td></tr>`
  })
  const mergedNote =
    step > intervalSeconds(report.intervals)
      ? `<p class="small muted">Long run: ${report.intervals.length} intervals merged into ${merged.length} rows of ${step} s (responses summed, p50 averaged, p99 the largest).</p>`
      : ''
  return `<p class="lede small muted">Client-side figures per 1 s interval, by completion time; the warm-up (shaded) is left out of every statistic.</p>
<div class="charts">
<figure class="chart" id="chart-throughput"><div class="plot"></div><figcaption>Responses per second.</figcaption></figure>
<figure class="chart" id="chart-errors"><div class="plot"></div><figcaption>Error responses per second by HTTP status, and requests that got no response.</figcaption></figure>
<figure class="chart" id="chart-latency"><div class="plot"></div><figcaption>Client latency p50 and p99 per interval.</figcaption></figure>
${hasStageSeries ? '<figure class="chart chart-wide" id="chart-stage-p99"><div class="plot"></div><figcaption>Stage p99 per interval.</figcaption></figure>' : ''}
</div>
${hasStageSeries ? '' : '<p class="small muted">Per-stage p99 per interval: not in this report.</p>'}
<details><summary>Intervals as a table</summary>${mergedNote}<div class="table-wrap"><table><thead><tr><th class="num">start</th><th></th><th class="num">responses</th><th>errors</th><th class="num">p50 ms</th><th class="num">p99 ms</th></tr></thead><tbody>${rows.join('')}</tbody></table></div></details>`
}

// 6. Exemplars
function renderExemplars(chosen: readonly ChosenExemplar[], report: Report): string {
  if (chosen.length === 0) return placeholder('No exemplar traces were kept in this run.')
  const traces = chosen.map((c) => {
    const id = traceAnchor(c.trace.trace_id)
    const title =
      c.role === 'error'
        ? `Error: ${c.errorKind ?? 'unknown'}`
        : c.errorKind
          ? `${c.title} (error: ${c.errorKind})`
          : c.title
    return `<article class="trace" id="${esc(id)}"><h3>${esc(title)} · ${ms(c.trace.duration_ms)} ms <span class="trace-id">trace ${esc(c.trace.trace_id)} · ${c.trace.spans.length} spans</span></h3><p class="controls js-only"><button type="button" data-expand="open" data-target="${esc(id)}">Expand all spans</button> <button type="button" data-expand="close" data-target="${esc(id)}">Collapse all</button></p>${renderWaterfall(c.trace)}</article>`
  })
  return `<p class="lede">Server-side traces kept by the collector (the slowest, every error kind, a uniform sample of ${report.exemplars.filter((t) => t.reason === 'sample').length}); drawn here: the slowest, one near the p99 of ${esc(serverSpanOf(report))}, a typical one and one per error kind. Click a span for its attributes, events and exception.</p>
<p class="legend-inline"><i style="background:var(--server)"></i>server <i style="background:var(--internal)"></i>internal <i style="background:var(--client)"></i>client (dependency call) <i style="background:var(--fail)"></i>error · thin marks are span events</p>
${traces.join('\n')}`
}

function cspFor(scripts: readonly string[]): string {
  const hashes = scripts.map((s) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`)
  return [
    "default-src 'none'",
    `script-src ${hashes.join(' ')}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ')
}

export function renderHtml(input: Report): string {
  const report = redactReport(input)
  const analysis = report.analysis
  const preferred = new Map(analysis.root_causes.map((c) => [c.path, c.exemplar_trace_id]))
  const chosen = chooseExemplars(report, preferred)
  const links = new Map<string, string>()
  for (const c of chosen) if (c.errorKind !== undefined) links.set(c.errorKind, traceAnchor(c.trace.trace_id))
  const charts = chartData(report)
  const histogramSource =
    charts.histograms[0]?.source === 'sample'
      ? `From the ${report.exemplars.filter((t) => t.reason === 'sample').length} uniformly sampled exemplar traces (the report has no recorded stage histograms): the shape, not the tail.`
      : 'From the stage histograms recorded over every measured span (log bins, ±5%).'
  const { uplotJs, uplotCss } = inlineAssets()
  const page = pageAssets()
  const verdict = overallVerdict(report)

  const sections = [
    section('budgets', renderBudgets(report)),
    section('stages', renderStages(report, charts.histograms.length > 0, histogramSource)),
    section('streaming', renderStreaming(report)),
    section('over-time', renderOverTime(report, Object.keys(charts.stage_p99.series).length > 0)),
    section('where-time-goes', renderWhereTimeGoes(analysis)),
    section('exemplars', renderExemplars(chosen, report)),
    section('errors', renderRootCauses(report, links)),
    section('dependencies', renderDependencyMap(analysis)),
    section('trust', renderTrust(report)),
    section('overhead', renderOverhead(report)),
    section('capacity', renderCapacity(report)),
    section('what-if', renderWhatIf(report)),
    section('hygiene', renderHygiene(analysis)),
    section('scenario', renderScenario(report)),
  ]
  const toc = SECTION_IDS.map((id, i) => `<a href="#${id}">${i + 1}. ${esc(TITLES[id])}</a>`).join('')
  const scripts = [uplotJs, page.js]
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${esc(cspFor(scripts))}">
<meta name="referrer" content="no-referrer">
<title>${esc(verdict.toUpperCase())} · ${esc(report.scenario.name)} · RAG latency report</title>
<style>${uplotCss}</style>
<style>${page.css}</style>
<style>.js-only{display:none}.js .js-only{display:block}</style>
</head>
<body>
<div class="page">
${renderVerdict(report)}
<nav class="toc" aria-label="Sections">${toc}</nav>
<main>
${sections.join('\n')}
</main>
<footer>Report schema v${esc(report.schema_version)} · rendered from report.json (regenerate with <code>npm run report -- path/to/report.json</code>) · charts: uPlot, inlined.</footer>
</div>
<script type="application/json" id="report-data">${scriptSafeJson(charts)}</script>
<script>${uplotJs}</script>
<script>${page.js}</script>
</body>
</html>
`
}
