// The HTML report's "Predicted vs measured" section: each what-if change, per budgeted stage and
// percentile, the baseline, the prediction from the baseline's traces and the re-run's figure.

import type { Report } from '../../contract/report-types.ts'
import { formatMs } from '../format-ms.ts'
import { placeholder } from './analysis-sections.ts'
import { escapeHtml as esc } from './inline-assets.ts'

const bound = (value: number | null) => (value === null ? 'unbounded' : formatMs(value))
const signed = (value: number) => `${value >= 0 ? '+' : '−'}${formatMs(Math.abs(value))}`

export function renderWhatIf(report: Report): string {
  const rows = report.what_if
  if (!rows || rows.length === 0) {
    return placeholder(
      'Not asked in this run: run with --what-if reranker=0.5x (any dependency, any factor) to predict a change from the traces and then measure it.',
    )
  }
  const body = rows.map((r) => {
    const verdict =
      r.agrees === null
        ? '<span class="pill warn">undecided</span>'
        : r.agrees
          ? '<span class="pill pass">agrees</span>'
          : '<span class="pill fail">differs</span>'
    const measuredChange = r.measured_ms === null ? '–' : signed(r.measured_ms - r.baseline_ms)
    return `<tr><td>${esc(r.change)}</td><td><code>${esc(r.stage)}</code></td><td>${esc(r.metric)}</td><td>${esc(formatMs(r.baseline_ms))}</td><td>${esc(formatMs(r.predicted_ms))} <span class="small">(${esc(signed(r.predicted_ms - r.baseline_ms))})</span></td><td>${esc(r.measured_ms === null ? '–' : formatMs(r.measured_ms))} <span class="small">(${esc(measuredChange)})</span></td><td>${esc(`[${bound(r.measured_change_ci_ms[0])}, ${bound(r.measured_change_ci_ms[1])}]`)}</td><td>${verdict}${r.rerun_trusted ? '' : ' <span class="small">re-run untrusted</span>'}</td></tr>`
  })
  return [
    `<div class="table-wrap"><table class="what-if"><thead><tr><th>change</th><th>stage</th><th>metric</th><th>baseline ms</th><th>predicted ms</th><th>measured ms</th><th>measured change, 95% interval</th><th></th></tr></thead><tbody>${body.join('')}</tbody></table></div>`,
    '<p class="small">Predicted: each baseline span of the stage plus (factor − 1) × the dependency’s drawn latency on its critical path, from a uniform reservoir of the baseline’s traces; anchored on the baseline’s own percentile. Measured: one re-run with the dependency’s latency model scaled and the same seed (common random numbers). The interval of the measured change covers both runs’ sampling noise, not drift between them; the prediction assumes nothing else moves (no queueing, rate limits, retries or timeouts that depend on the latency).</p>',
  ].join('')
}
