// index.html of a nightly suite run: one self-contained page (uPlot inlined, no network) with one
// row per scenario (verdict, trust, worst budget margin, regressions, link to its report), the
// regressions and improvements with their evidence, and per scenario the trend of each budgeted
// stage over the last nights with its budgets as reference lines. Every string from a scenario,
// a report or the history is escaped (escapeHtml in markup, scriptSafeJson in the data block);
// the tables read without JavaScript, only the charts need it.

import { EXIT_MEANING } from '../errors.ts'
import { escapeHtml, inlineAssets, scriptSafeJson } from '../report/html/inline-assets.ts'
import { formatBand, formatChange, formatValue } from './regression.ts'
import { syntheticNote } from './render-suite-summary.ts'
import { scenarioOverview } from './scenario-overview.ts'
import { type ScenarioOutcome, type SuiteResult, verdictText } from './suite-result.ts'
import type { TrendChart } from './trends.ts'

type ChartData = {
  id: string
  title: string
  x: number[]
  series: { metric: string; real: (number | null)[]; synthetic: (number | null)[] }[]
  limits: { metric: string; limit: number }[]
}

function chartData(scenario: string, index: number, chart: TrendChart): ChartData {
  const first = chart.series[0]?.points ?? []
  return {
    id: `chart-${index}`,
    title: `${scenario} · ${chart.stage}`,
    x: first.map((p) => Date.parse(p.startedAt) / 1000),
    series: chart.series.map((s) => ({
      metric: s.metric,
      real: s.points.map((p) => (p.synthetic ? null : p.value)),
      synthetic: s.points.map((p) => (p.synthetic ? p.value : null)),
    })),
    limits: chart.limits.map((l) => ({ metric: l.metric, limit: l.limit })),
  }
}

function statusClass(outcome: ScenarioOutcome): string {
  if (outcome.status !== 'complete' || outcome.untrusted) return 'bad'
  if (outcome.budgets.some((b) => b.outcome === 'fail' || b.outcome === 'unexpected-pass')) return 'bad'
  if (outcome.detection?.status === 'regression') return 'warn'
  if (outcome.budgets.some((b) => b.outcome === 'inconclusive')) return 'warn'
  return 'good'
}

function scenarioRow(outcome: ScenarioOutcome): string {
  const row = scenarioOverview(outcome)
  const regressionsClass = outcome.detection?.status === 'regression' ? 'bad' : ''
  return `<tr>
<td><a href="#s-${escapeHtml(row.name)}">${escapeHtml(row.name)}</a></td>
<td class="${statusClass(outcome)}">${escapeHtml(row.verdict)}</td>
<td>${escapeHtml(row.trust)}</td>
<td>${escapeHtml(row.worstMargin)}</td>
<td class="${regressionsClass}">${escapeHtml(row.regressions)}</td>
<td>${row.link ? `<a href="${escapeHtml(encodeURI(row.link))}">${escapeHtml(row.link)}</a>` : '—'}</td>
</tr>`
}

function findingsTable(outcome: ScenarioOutcome): string {
  const findings = (outcome.detection?.findings ?? []).filter(
    (f) => f.status === 'regression' || f.status === 'improvement',
  )
  if (findings.length === 0) return ''
  const rows = findings
    .map(
      (f) => `<tr class="${f.status === 'regression' ? 'bad' : 'good'}">
<td>${escapeHtml(f.status)}</td><td>${escapeHtml(f.key)}</td>
<td>${escapeHtml(formatValue(f.current, f.unit))}</td>
<td>${f.baseline ? escapeHtml(formatValue(f.baseline.median, f.unit)) : '—'}</td>
<td>${f.baseline ? escapeHtml(formatBand(f.baseline, f.unit)) : '—'}</td>
<td>${escapeHtml(formatChange(f))}</td>
<td>${f.baseline ? escapeHtml(`${f.baseline.n} runs${f.baseline.synthetic ? ` (${f.baseline.synthetic} synthetic)` : ''}`) : '—'}</td>
</tr>`,
    )
    .join('\n')
  return `<table class="findings"><thead><tr><th>Status</th><th>Metric</th><th>Now</th><th>Baseline</th><th>Band</th><th>Change</th><th>Evidence</th></tr></thead>
<tbody>${rows}</tbody></table>`
}

function trendTable(chart: TrendChart): string {
  const points = chart.series[0]?.points ?? []
  const head = chart.series.map((s) => `<th>${escapeHtml(s.metric)} (ms)</th>`).join('')
  const rows = points
    .map((p, i) => {
      const cells = chart.series
        .map((s) => {
          const value = s.points[i]?.value
          return `<td>${value === null || value === undefined ? '—' : escapeHtml(value.toFixed(1))}</td>`
        })
        .join('')
      const label = `${p.startedAt}${p.synthetic ? ' (synthetic)' : ''}${p.current ? ' (this run)' : ''}`
      return `<tr><td>${escapeHtml(label)}</td>${cells}</tr>`
    })
    .join('')
  const limits = chart.limits.map((l) => escapeHtml(`${l.metric} ≤ ${l.limit} ms`)).join(', ')
  return `<details><summary>${escapeHtml(chart.stage)}: data${limits ? ` · budget ${limits}` : ''}</summary>
<table class="data"><thead><tr><th>Night</th>${head}</tr></thead><tbody>${rows}</tbody></table></details>`
}

function scenarioSection(outcome: ScenarioOutcome, charts: { data: ChartData; chart: TrendChart }[]): string {
  const inconclusive = outcome.budgets
    .filter((b) => b.inconclusive)
    .map(
      (b) =>
        `${b.source}: ${b.outcome === 'inconclusive' ? 'warning' : 'failed'}, ${b.note ?? 'inconclusive'}`,
    )
  const notes = [...(outcome.error ? [outcome.error] : []), ...inconclusive, ...outcome.notes]
  const evidence = outcome.detection
    ? `Compared with ${outcome.detection.history.used} earlier run${outcome.detection.history.used === 1 ? '' : 's'} on this machine` +
      (outcome.detection.history.synthetic ? ` (${outcome.detection.history.synthetic} synthetic)` : '') +
      '.'
    : ''
  return `<section class="scenario" id="s-${escapeHtml(outcome.name)}">
<h2>${escapeHtml(outcome.name)} <span class="${statusClass(outcome)}">${escapeHtml(verdictText(outcome))}</span></h2>
${evidence ? `<p>${escapeHtml(evidence)}</p>` : ''}
${notes.length ? `<ul class="notes">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}
${findingsTable(outcome)}
<div class="charts">
${charts
  .map(
    ({ data, chart }) => `<figure><div class="chart" id="${escapeHtml(data.id)}"></div>
<figcaption>${trendTable(chart)}</figcaption></figure>`,
  )
  .join('\n')}
</div>
</section>`
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #1d1d1f; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f5f5f7; }
.good { color: #1a7f37; } .bad { color: #c62828; font-weight: 600; } .warn { color: #b26a00; font-weight: 600; }
tr.bad td, tr.good td { font-weight: normal; }
.banner { background: #fff4e5; border: 1px solid #f0b429; padding: 0.6rem 1rem; border-radius: 6px; }
.meta { color: #555; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
figure { margin: 0; width: 460px; }
table.data { font-size: 12px; }
@media print { .chart { break-inside: avoid; } details { display: none; } }
`

const SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('trend-data').textContent);
  var palette = ['#1f77b4', '#9467bd', '#2ca02c', '#8c564b', '#17becf'];
  data.charts.forEach(function (chart) {
    var el = document.getElementById(chart.id);
    if (!el || typeof uPlot === 'undefined') return;
    var series = [{}];
    var columns = [chart.x];
    chart.series.forEach(function (s, i) {
      var color = palette[i % palette.length];
      series.push({ label: s.metric, stroke: color, width: 2, points: { show: true, size: 8 } });
      columns.push(s.real);
      if (s.synthetic.some(function (v) { return v !== null; })) {
        series.push({ label: s.metric + ' (synthetic)', stroke: color, width: 1, dash: [2, 4], points: { show: true, size: 4, fill: '#fff' } });
        columns.push(s.synthetic);
      }
    });
    chart.limits.forEach(function (l) {
      series.push({ label: 'budget ' + l.metric, stroke: '#d62728', width: 1.5, dash: [8, 4], points: { show: false } });
      columns.push(chart.x.map(function () { return l.limit; }));
    });
    new uPlot({ title: chart.title, width: 460, height: 230, scales: { x: { time: true } }, series: series,
      axes: [{}, { label: 'ms', size: 60 }] }, columns, el);
  });
})();
`

export function renderSuiteIndex(result: SuiteResult): string {
  const { uplotJs, uplotCss } = inlineAssets()
  let index = 0
  const sections: string[] = []
  const allCharts: ChartData[] = []
  for (const outcome of result.outcomes) {
    const charts = outcome.trends.map((chart) => ({ chart, data: chartData(outcome.name, index++, chart) }))
    allCharts.push(...charts.map((c) => c.data))
    sections.push(scenarioSection(outcome, charts))
  }
  const note = syntheticNote(result)
  const ok = result.exitCode === 0
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`Nightly ${result.suite.name} · ${result.startedAt}`)}</title>
<style>${uplotCss}</style>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Nightly performance: ${escapeHtml(result.suite.name)}</h1>
<p class="${ok ? 'good' : 'bad'}">${ok ? 'PASS' : 'FAIL'}: exit ${result.exitCode}, ${escapeHtml(EXIT_MEANING[result.exitCode])}</p>
<p class="meta">${result.quick ? 'Quick run (--quick). ' : ''}Started ${escapeHtml(result.startedAt)}, finished ${escapeHtml(result.finishedAt)} · ${escapeHtml(result.machine)} · history ${escapeHtml(result.historyDir)}</p>
${result.suite.description ? `<p>${escapeHtml(result.suite.description)}</p>` : ''}
${note ? `<p class="banner"><strong>Synthetic history.</strong> ${escapeHtml(note)}</p>` : ''}
</header>
<main>
<table class="overview">
<thead><tr><th>Scenario</th><th>Verdict</th><th>Trust</th><th>Worst budget margin</th><th>Regressions</th><th>Report</th></tr></thead>
<tbody>
${result.outcomes.map(scenarioRow).join('\n')}
</tbody>
</table>
<noscript><p>The trend charts need JavaScript; each has its data in a table below it.</p></noscript>
${sections.join('\n')}
</main>
<script type="application/json" id="trend-data">${scriptSafeJson({ charts: allCharts })}</script>
<script>${uplotJs}</script>
<script>${SCRIPT}</script>
</body>
</html>
`
}
