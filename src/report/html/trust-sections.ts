// Sections 9 (Trust) and 10 (Sampling overhead): report.trust (contract/trust-schema.ts) and
// report.overhead (absent unless the scenario measured it). Known parts of the trust section get
// their own tables; the rest is shown generically (bounded), so a field added to the contract
// appears before anyone writes a table for it.

import type { Report, Trust, TrustGuard } from '../../contract/report-types.ts'
import { formatMs } from '../render-console.ts'
import { formatScalar, thresholdText, trustHeadline } from '../report-figures.ts'
import { placeholder } from './analysis-sections.ts'
import { escapeHtml as esc } from './inline-assets.ts'

function pill(pass: boolean, passText = 'PASS', failText = 'FAIL'): string {
  return pass ? `<span class="pill pass">${passText}</span>` : `<span class="pill fail">${failText}</span>`
}

function ms(value: number): string {
  return esc(formatMs(value))
}

export function guardsTable(guards: readonly TrustGuard[]): string {
  const rows = [...guards]
    .sort((a, b) => Number(a.pass) - Number(b.pass))
    .map(
      (g) =>
        `<tr${g.pass ? '' : ' class="is-fail"'}><td>${esc(g.name)}</td><td class="num">${esc(formatScalar(g.figure, g.unit))}</td><td class="num">${esc(thresholdText(g))}</td><td>${pill(g.pass)}${g.reason ? ` <span class="small">${esc(g.reason)}</span>` : ''}</td></tr>`,
    )
  return `<div class="table-wrap"><table><thead><tr><th>guard</th><th class="num">figure</th><th class="num">threshold</th><th>result</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`
}

// Further fields of the trust and overhead sections, whatever their shape: scalars as a
// key/value table, arrays of objects as tables. Bounded in depth and rows.
function genericValue(value: unknown, depth = 0): string {
  if (value === null || value === undefined) return '–'
  if (typeof value === 'number') return esc(formatScalar(value))
  if (typeof value !== 'object') return esc(String(value))
  if (depth >= 3) return `<code>${esc(JSON.stringify(value).slice(0, 200))}</code>`
  if (Array.isArray(value)) {
    if (value.length === 0) return '–'
    if (value.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) {
      const cols = [...new Set(value.flatMap((v) => Object.keys(v as object)))].slice(0, 12)
      const rows = value
        .slice(0, 50)
        .map(
          (v) =>
            `<tr>${cols.map((c) => `<td>${genericValue((v as Record<string, unknown>)[c], depth + 1)}</td>`).join('')}</tr>`,
        )
      return `<div class="table-wrap"><table><thead><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`
    }
    return value
      .slice(0, 50)
      .map((v) => genericValue(v, depth + 1))
      .join(', ')
  }
  const entries = Object.entries(value as Record<string, unknown>)
  return `<table class="kv"><tbody>${entries
    .slice(0, 50)
    .map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${genericValue(v, depth + 1)}</td></tr>`)
    .join('')}</tbody></table>`
}

function measuredFigures(report: Report): string {
  const p = report.endpoint_process
  const a = report.accounting
  return `<h3>Endpoint process and accounting</h3><table class="kv"><tbody>
<tr><th scope="row">event-loop delay</th><td>p50 ${ms(p.event_loop_delay_ms.p50)} ms · p99 ${ms(p.event_loop_delay_ms.p99)} ms · max ${ms(p.event_loop_delay_ms.max)} ms</td></tr>
<tr><th scope="row">CPU</th><td>${ms(p.cpu_ms_per_request)} ms per request (user ${ms(p.cpu_user_ms)} ms, system ${ms(p.cpu_system_ms)} ms)</td></tr>
<tr><th scope="row">peak RSS</th><td>${p.rss_peak_mb.toFixed(0)} MB</td></tr>
<tr><th scope="row">accounting</th><td>${pill(a.ok, 'ok', 'mismatch')} sent ${a.sent} = completed ${a.completed} + errors ${a.errors} + timeouts ${a.timeouts} + in flight ${a.in_flight_at_end}; ${a.server_requests} server spans, ${a.pipeline_roots} pipelines; spans started ${a.spans_started}, ended ${a.spans_ended}${a.notes.length > 0 ? `<ul>${a.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}</td></tr>
<tr><th scope="row">arrangement</th><td>${esc(report.arrangement)}</td></tr>
</tbody></table>`
}

const KNOWN_TRUST_KEYS = new Set([
  'verdict',
  'reasons',
  'guards',
  'fidelity',
  'fidelity_note',
  'client_server_gap_ms',
  'schedule_lag_ms',
  'driver',
  'endpoint',
])

function knownTrustParts(t: Trust): string {
  const parts: string[] = []
  if (t.fidelity.length > 0) {
    const rows = t.fidelity.map(
      (f) =>
        `<tr><td class="key nowrap">${esc(f.dependency)}</td><td class="num">${f.calls}</td><td class="num">${ms(f.model_p50_ms)}</td><td class="num">${ms(f.measured_p50_ms)}</td><td class="num"><strong>+${ms(f.excess_p50_ms)}</strong></td><td class="num">${ms(f.model_p99_ms)}</td><td class="num">${ms(f.measured_p99_ms)}</td><td class="num"><strong>+${ms(f.excess_p99_ms)}</strong></td><td class="num">+${ms(f.excess_max_ms)}</td></tr>`,
    )
    parts.push(
      `<h3>Mock fidelity</h3><p class="small muted">Each mocked dependency: the latency its model was told to produce against the client span measured around the call. The excess is the harness's own error at this load, added to every stage that calls it.</p><div class="table-wrap"><table><thead><tr><th>dependency</th><th class="num">calls</th><th class="num">model p50</th><th class="num">measured p50</th><th class="num">excess p50</th><th class="num">model p99</th><th class="num">measured p99</th><th class="num">excess p99</th><th class="num">excess max</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`,
    )
  }
  // A target service: fidelity joined by traceparent, or why it is not available.
  if (t.fidelity_note) {
    parts.push(
      `${t.fidelity.length > 0 ? '' : '<h3>Mock fidelity</h3>'}<p class="small">${esc(t.fidelity_note)}</p>`,
    )
  }
  const g = t.client_server_gap_ms
  const lag = t.schedule_lag_ms
  const proc = (
    name: string,
    p: { cpu_share: number; event_loop_delay_p99_ms: number; event_loop_delay_max_ms: number },
  ) =>
    `<tr><th scope="row">${esc(name)}</th><td>CPU ${(p.cpu_share * 100).toFixed(1)}% of a core · event-loop delay p99 ${ms(p.event_loop_delay_p99_ms)} ms, max ${ms(p.event_loop_delay_max_ms)} ms</td></tr>`
  parts.push(`<h3>Client, driver and schedule</h3><table class="kv"><tbody>
<tr><th scope="row">client − server gap</th><td>${g.joined} responses joined to their server trace: p50 ${ms(g.p50_ms)} ms · p90 ${ms(g.p90_ms)} ms · p99 ${ms(g.p99_ms)} ms · max ${ms(g.max_ms)} ms</td></tr>
<tr><th scope="row">schedule lag</th><td>${lag === null ? 'closed model: requests wait for responses, so there is no schedule to lag behind' : `p50 ${ms(lag.p50)} ms · p99 ${ms(lag.p99)} ms · max ${ms(lag.max)} ms · ${lag.late} late and ${lag.dropped} dropped of ${lag.scheduled} scheduled`}</td></tr>
${proc('load driver', t.driver)}
${proc('endpoint', t.endpoint)}
${
  t.endpoint.span_processing
    ? `<tr><th scope="row">harness span processing</th><td>${t.endpoint.span_processing.us_per_request.toFixed(0)} µs per request in the endpoint, ${(t.endpoint.span_processing.share_of_cpu * 100).toFixed(1)}% of its CPU: the StageCollector and the trace analysis, timed around each call (the SDK's own span work and the collections they cause are not in it; <code>npm run bench</code> measures the whole tax)</td></tr>`
    : ''
}
</tbody></table>`)
  return parts.join('')
}

// 9. Trust
export function renderTrust(report: Report): string {
  const trust = report.trust
  const known = knownTrustParts(trust)
  const extra = Object.entries(trust)
    .filter(([k, v]) => v !== undefined && v !== null && !KNOWN_TRUST_KEYS.has(k))
    .filter(([k]) => !['verdict', 'reasons', 'guards'].includes(k))
    .map(([k, v]) => `<h3>${esc(k.replaceAll('_', ' '))}</h3>${genericValue(v)}`)
    .join('')
  return `<p><span class="pill ${trust.verdict === 'trusted' ? 'pass' : 'fail'}">${esc(trust.verdict)}</span> ${esc(trustHeadline(report))} Each guard checks the harness itself; one failed guard makes the run untrusted, whatever the budgets say.</p>${trust.guards.length > 0 ? guardsTable(trust.guards) : ''}${known}${extra}${measuredFigures(report)}`
}

// 10. Sampling overhead
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`

function table(head: string[], rows: string[][]): string {
  return `<div class="table-wrap"><table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></div>`
}

export function renderOverhead(report: Report): string {
  const o = report.overhead
  if (!o) {
    return placeholder(
      'Not measured in this run: sampling overhead is measured by scenarios with an `overhead:` section (arms, repeats, trial).',
    )
  }
  return [
    `<p>${esc(o.arms.length)} arms × ${esc(o.repeats)} trials of ${esc(o.trial_s)} s at ${esc(o.rate_per_sec)} req/s, ${esc(o.order)}, after a discarded ${esc(o.warmup_s)} s warm-up. ${esc(o.separation)}.</p>`,
    o.verdicts.length > 0 ? overheadBudgetTable(o) : '',
    armsTable(o),
    differencesTable(o),
    o.calibration.length > 0 ? calibrationTable(o) : '',
    precisionTable(o),
    o.notes.length > 0 ? `<ul>${o.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '',
  ].join('')
}

type Overhead = NonNullable<Report['overhead']>

function overheadBudgetTable(o: Overhead): string {
  const verdictPill = (v: string) => `<span class="pill ${v === 'pass' ? 'pass' : 'fail'}">${esc(v)}</span>`
  return `<h3>Budget</h3>${table(
    ['metric', 'limit', 'arm', 'verdict', 'repeats to settle'],
    o.verdicts.map((v) => [
      esc(v.metric),
      esc(`≤ ${(v.limit * 100).toFixed(1)}%`),
      esc(v.arm),
      verdictPill(v.verdict),
      esc(v.repeats_to_settle ?? '–'),
    ]),
  )}<p class="small">pass: the whole 95% interval is under the limit; fail: wholly over; inconclusive: it straddles the limit (never a pass).</p>`
}

function armsTable(o: Overhead): string {
  const cpuOf = (arm: number) => {
    const trials = o.trials.filter((t) => t.arm === arm)
    return trials.reduce((sum, t) => sum + t.cpu_per_request_ms, 0) / Math.max(1, trials.length)
  }
  return `<h3>Arms</h3>${table(
    ['arm', 'CPU per request (mean)', 'trials'],
    o.arms.map((a) => [
      esc(a.label) + (a.baseline ? ' <span class="small">(baseline)</span>' : ''),
      `${ms(cpuOf(a.index))} ms`,
      esc(o.trials.filter((t) => t.arm === a.index).length),
    ]),
  )}`
}

function differencesTable(o: Overhead): string {
  return `<h3>Differences from the baseline</h3>${table(
    ['arm', 'metric', 'effect', '95% interval', 'p-value', 'adjustment', ''],
    o.comparisons.map((c) => [
      esc(c.arm),
      esc(c.metric),
      esc(pct(c.effect)),
      esc(`[${pct(c.ci95[0])}, ${pct(c.ci95[1])}]`),
      esc(c.p_value.toFixed(3)),
      c.covariate
        ? esc(
            `for ${c.covariate.name} (r² ${c.covariate.variance_explained.toFixed(2)}); unadjusted [${pct(c.covariate.unadjusted_ci95[0])}, ${pct(c.covariate.unadjusted_ci95[1])}]`,
          )
        : '–',
      c.within_noise ? 'inside the noise' : '',
    ]),
  )}${
    o.comparisons.some((c) => c.covariate)
      ? `<p class="small">CPU per request is adjusted for the mock servers' CPU per request in the same trial (CUPED, Deng et al. 2013): the VM's speed moves both; the arms move only the endpoint's.</p>`
      : ''
  }`
}

function calibrationTable(o: Overhead): string {
  return `<h3>Calibration (self-check)</h3>${table(
    ['arm', 'injected', 'measured', '95% interval', ''],
    o.calibration.map((c) => [
      esc(c.arm),
      `${ms(c.injected_ms)} ms`,
      `${ms(c.measured_ms)} ms`,
      `[${ms(c.ci95_ms[0])}, ${ms(c.ci95_ms[1])}] ms`,
      c.within_ci ? 'within' : '<strong>outside</strong>',
    ]),
  )}`
}

function precisionTable(o: Overhead): string {
  return `<h3>Precision cost of sampling (p99)</h3>${table(
    [
      'arm',
      'stage',
      'spans',
      'p99',
      '95% interval',
      '±',
      `run for ±${(o.precision_target * 100).toFixed(0)}%`,
    ],
    o.precision
      .filter((p) => p.count > 0)
      .map((p) => [
        esc(p.arm),
        esc(p.stage),
        esc(p.count),
        `${ms(p.p99_ms)} ms`,
        p.p99_ci_ms ? `[${ms(p.p99_ci_ms[0])}, ${ms(p.p99_ci_ms[1])}] ms` : '–',
        p.half_width_pct !== null ? esc(`${(p.half_width_pct * 100).toFixed(1)}%`) : '–',
        p.run_s_for_target !== null ? esc(`${Math.ceil(p.run_s_for_target)} s`) : '–',
      ]),
  )}`
}
