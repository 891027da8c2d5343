// The console summary of a report: stage table, budgets, load, accounting, verdict last.
// Pure: the caller decides on colour (a TTY without NO_COLOR) and prints the string.

import type { BudgetResult, Report, StageStats, TrustGuard } from '../contract/report-types.ts'
import { SPAN, STAGE_SPAN_NAMES } from '../contract/span-names.ts'
import { budgetEvidenceText, budgetStatus, budgetStatusText, verdictDetail } from './budget-status.ts'
import { capacityAnswerText } from './capacity-text.ts'
import { formatMs } from './format-ms.ts'
import { isTargetRun, serverSpanOf } from './server-span.ts'
import { formatStreamValue, goodputLine, streamAccountingLine, streamRows } from './stream-lines.ts'

export { formatMs } from './format-ms.ts'

const ESC = '\u001b['
type Style = 'bold' | 'red' | 'green' | 'yellow' | 'dim'
const CODES: Record<Style, string> = { bold: '1', red: '31', green: '32', yellow: '33', dim: '2' }

function painter(color: boolean) {
  return (text: string, ...styles: Style[]): string =>
    color && styles.length > 0 ? `${ESC}${styles.map((s) => CODES[s]).join(';')}m${text}${ESC}0m` : text
}

function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(2)}%`
}

function formatValue(value: number, unit: BudgetResult['unit']): string {
  if (unit === 'ms') return `${formatMs(value)} ms`
  if (unit === 'ratio') return formatPercent(value)
  return `${value.toFixed(1)} req/s`
}

// Columns padded to their widest cell; the first `leftColumns` left-aligned (names), the rest
// right-aligned (numbers).
function table(rows: string[][], leftColumns = 1, gap = '  '): string[] {
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length)
    })
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i < leftColumns ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join(gap)
      .trimEnd(),
  )
}

// Known stages in pipeline order, then any other key (attribute-narrowed ones) alphabetically.
export function orderedStageKeys(stages: Record<string, StageStats>): string[] {
  const known = STAGE_SPAN_NAMES.filter((name) => Object.hasOwn(stages, name))
  const knownSet = new Set(known)
  const rest = Object.keys(stages)
    .filter((key) => !knownSet.has(key))
    .sort()
  return [...known, ...rest]
}

function stageTable(stages: Record<string, StageStats>): string[] {
  const header = ['stage', 'count', 'errors', 'p50', 'p90', 'p95', 'p99', 'max']
  const rows = orderedStageKeys(stages).map((key) => {
    const s = stages[key]!
    const ms = (value: number) => (s.count === 0 ? '–' : formatMs(value))
    return [
      key,
      String(s.count),
      String(s.error_count),
      ms(s.p50_ms),
      ms(s.p90_ms),
      ms(s.p95_ms),
      ms(s.p99_ms),
      ms(s.max_ms),
    ]
  })
  if (rows.length === 0) return ['Stages (ms): no spans were recorded']
  return ['Stages (durations in ms, after warm-up)', ...table([header, ...rows]).map((line) => `  ${line}`)]
}

function budgetLines(budgets: readonly BudgetResult[], paint: ReturnType<typeof painter>): string[] {
  if (budgets.length === 0) return ['Budgets: none declared']
  const rows = budgets.map((b) => [
    b.target,
    b.metric,
    `${b.unit === 'req/s' ? '≥' : '≤'} ${formatValue(b.limit, b.unit)}`,
    b.actual === null ? 'no data' : formatValue(b.actual, b.unit),
    budgetEvidenceText(b),
  ])
  const lines = table([['target', 'metric', 'limit', 'actual', 'decided on'], ...rows], 2)
  const out = ['Budgets', `  ${lines[0]}`]
  budgets.forEach((b, i) => {
    // The status word goes after the padded columns, so escape codes do not upset the widths.
    const status = budgetStatus(b)
    const word = budgetStatusText(b)
    const painted =
      status === 'pass'
        ? paint(word, 'green')
        : status === 'fail' || !b.pass
          ? paint(word, 'red', 'bold')
          : paint(word, 'yellow', 'bold')
    out.push(`  ${lines[i + 1]!}  ${painted}${b.note ? `  (${b.note})` : ''}`)
  })
  return out
}

function loadLine(report: Report): string {
  const load = report.load
  const codes = Object.entries(load.status_codes)
    .sort(([a], [b]) => Number(a) - Number(b) || a.localeCompare(b))
    .map(([code, n]) => `${code}×${n}`)
    .join(' ')
  const parts = [
    load.driver,
    ...(load.connections !== undefined ? [`${load.connections} connections`] : []),
    `sent ${load.sent}`,
    `completed ${load.completed}`,
    `errors ${load.errors}`,
    `timeouts ${load.timeouts}`,
    ...(load.in_flight_at_end > 0 ? [`in flight at end ${load.in_flight_at_end}`] : []),
    `${load.rps.toFixed(1)} req/s`,
    `status ${codes || 'none'}`,
  ]
  return `Load: ${parts.join(' · ')}`
}

function accountingLines(report: Report, paint: ReturnType<typeof painter>): string[] {
  const a = report.accounting
  const sum = `sent ${a.sent} = completed ${a.completed} + errors ${a.errors} + timeouts ${a.timeouts} + in flight ${a.in_flight_at_end}`
  // With a sampler other than always_on the server side only sees sampled traces.
  // A team's service (target:): its own server span, named from the spans it exported.
  const spans = isTargetRun(report)
    ? `${a.server_requests} server spans exported by the service (requests as "${serverSpanOf(report)}")`
    : report.sampler === 'always_on'
      ? `${a.server_requests} reached the endpoint (${SPAN.server}), ${a.pipeline_roots} ${SPAN.pipeline}`
      : `${a.server_requests} sampled traces (${report.sampler}) at the endpoint (${SPAN.server}), ${a.pipeline_roots} ${SPAN.pipeline}`
  if (a.ok) return [`Accounting: ok — ${sum}; ${spans}`]
  return [
    `Accounting: ${paint('MISMATCH', 'yellow', 'bold')} — ${sum}; ${spans}`,
    ...a.notes.map((note) => `  - ${note}`),
  ]
}

// A trust guard's figure or threshold, in the guard's unit.
function formatGuardValue(value: number, unit: TrustGuard['unit']): string {
  if (unit === 'ms') return `${formatMs(value)} ms`
  if (unit === 'ratio') return `${(value * 100).toFixed(1)}%`
  return String(value)
}

function trustLines(report: Report, paint: ReturnType<typeof painter>): string[] {
  const t = report.trust
  const lines = [
    `Trust: ${t.verdict === 'trusted' ? paint('TRUSTED', 'green', 'bold') : paint('UNTRUSTED', 'red', 'bold')} — ${t.guards.filter((g) => g.pass).length} of ${t.guards.length} guards passed`,
  ]
  for (const g of t.guards) {
    if (g.figure === null) continue
    const figure = formatGuardValue(g.figure, g.unit)
    const threshold = formatGuardValue(g.threshold, g.unit)
    const mark = g.pass ? paint('ok', 'green') : paint('FAIL', 'red', 'bold')
    lines.push(
      `  ${g.name.padEnd(46)} ${figure.padStart(10)}  ${g.comparison} ${threshold.padEnd(9)} ${mark}`,
    )
  }
  const processing = t.endpoint.span_processing
  if (processing) {
    lines.push(
      `  harness span processing in the endpoint: ${processing.us_per_request.toFixed(0)} µs per request, ${(processing.share_of_cpu * 100).toFixed(1)}% of its CPU (collector and trace analysis; the SDK's own cost is not in it)`,
    )
  }
  for (const reason of t.reasons) lines.push(`  → ${reason}`)
  return lines
}

function overheadLines(report: Report): string[] {
  const o = report.overhead
  if (!o) return []
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`
  const lines = [
    `Sampling overhead: ${o.arms.length} arms × ${o.repeats} trials of ${o.trial_s}s at ${o.rate_per_sec} req/s, ${o.order}; ${o.separation}`,
  ]
  for (const arm of o.arms) {
    const trials = o.trials.filter((t) => t.arm === arm.index)
    const cpu = trials.reduce((sum, t) => sum + t.cpu_per_request_ms, 0) / Math.max(1, trials.length)
    const rows = o.comparisons.filter((c) => c.arm === arm.label)
    const deltas = rows.map(
      (c) =>
        `${c.metric} ${pct(c.effect)} [${pct(c.ci95[0])}, ${pct(c.ci95[1])}]${c.within_noise ? ' (noise)' : ''}${
          c.covariate
            ? ` (adjusted for ${c.covariate.name}, r² ${c.covariate.variance_explained.toFixed(2)}; unadjusted [${pct(c.covariate.unadjusted_ci95[0])}, ${pct(c.covariate.unadjusted_ci95[1])}])`
            : ''
        }`,
    )
    lines.push(
      `  ${arm.label.padEnd(36)} CPU ${formatMs(cpu)} ms/request${arm.baseline ? '  (baseline)' : `  ${deltas.join(' · ')}`}`,
    )
  }
  for (const c of o.calibration) {
    lines.push(
      `  calibration ${c.arm}: injected ${c.injected_ms} ms, measured ${formatMs(c.measured_ms)} ms [${formatMs(c.ci95_ms[0])}, ${formatMs(c.ci95_ms[1])}] ${c.within_ci ? 'within' : 'OUTSIDE'} its interval`,
    )
  }
  for (const v of o.verdicts) {
    lines.push(
      `  budget ${v.metric} ≤ ${(v.limit * 100).toFixed(1)}% for ${v.arm}: ${v.verdict.toUpperCase()}${v.repeats_to_settle ? ` (about ${v.repeats_to_settle} repeats per arm would settle it)` : ''}`,
    )
  }
  return lines
}

function verdictBanner(report: Report, paint: ReturnType<typeof painter>): string[] {
  const word = report.verdict.toUpperCase()
  const budgets = verdictDetail(report)
  // A budget verdict is never shown without the trust verdict beside it.
  const detail = `${budgets}; the run was ${report.trust.verdict}`
  const interrupted = report.status === 'interrupted' ? ' (INTERRUPTED: partial run)' : ''
  const text = `VERDICT: ${word}${interrupted} — ${detail}`
  const rule = '═'.repeat(text.length + 4)
  const style = report.verdict === 'pass' ? 'green' : report.verdict === 'untrusted' ? 'yellow' : 'red'
  return [paint(rule, style), `  ${paint(text, style, 'bold')}`, paint(rule, style)]
}

// Streamed answers (when the scenario sent any): a small table beside the client latency.
function streamConsoleLines(report: Report): string[] {
  const rows = streamRows(report)
  if (rows.length === 0) return []
  const header = ['streamed answers', 'count', 'p50', 'p90', 'p95', 'p99', 'max']
  const body = rows.map((row) => [
    `${row.name} (${row.unit})`,
    String(row.summary.count),
    ...[row.summary.p50, row.summary.p90, row.summary.p95, row.summary.p99, row.summary.max].map((v) =>
      formatStreamValue(v, row.unit),
    ),
  ])
  const extra = [goodputLine(report), streamAccountingLine(report)].filter((line): line is string => !!line)
  return ['', ...table([header, ...body]), ...extra]
}

export function renderConsole(report: Report, options: { color: boolean }): string {
  const paint = painter(options.color)
  const s = report.scenario
  const c = report.client_latency_ms
  const lines = [
    paint(`Scenario ${s.name}`, 'bold') +
      ` (seed ${s.seed}) · started ${report.started_at} · ${report.duration_s.toFixed(1)} s measured after ${report.warmup_s} s warm-up`,
    paint(`sampler ${report.sampler} · ${report.arrangement}`, 'dim'),
    '',
    ...stageTable(report.stages),
    '',
    c.count === 0
      ? 'Client latency: no responses after warm-up'
      : `Client latency (ms, n=${c.count}): p50 ${formatMs(c.p50)} · p90 ${formatMs(c.p90)} · p95 ${formatMs(c.p95)} · p99 ${formatMs(c.p99)} · max ${formatMs(c.max)}`,
    ...streamConsoleLines(report),
    '',
    ...budgetLines(report.budgets, paint),
    '',
    loadLine(report),
    ...accountingLines(report, paint),
    ...trustLines(report, paint),
    ...overheadLines(report),
    ...capacityLines(report),
    ...whatIfLines(report),
    '',
    ...verdictBanner(report, paint),
  ]
  return `${lines.join('\n')}\n`
}

// The capacity search's steps as a table, and its answer (src/capacity/).
function capacityLines(report: Report): string[] {
  const c = report.capacity
  if (!c) return []
  const lines = ['', `Capacity: ${capacityAnswerText(c)}`]
  lines.push(
    `  ${'offered'.padStart(9)} ${'achieved'.padStart(9)}  ${'verdict'.padEnd(12)} ${'why this step'.padEnd(23)} what failed`,
  )
  for (const s of c.steps) {
    const why = s.trusted
      ? s.budgets_failed.map((b) => `${b.target} ${b.metric} ${b.verdict}`).join('; ')
      : s.untrusted_reasons.join('; ')
    lines.push(
      `  ${s.rate_rps.toFixed(1).padStart(9)} ${s.achieved_rps.toFixed(1).padStart(9)}  ${s.verdict.padEnd(12)} ${s.reason.padEnd(23)} ${why || '–'}`,
    )
  }
  for (const note of c.notes) lines.push(`  note: ${note}`)
  return lines
}

// What-if: predicted from the baseline's traces vs measured in the re-run (src/what-if/).
function whatIfLines(report: Report): string[] {
  const rows = report.what_if
  if (!rows || rows.length === 0) return []
  const lines = [
    '',
    'What-if (ms): predicted from the baseline traces vs measured in a re-run with the change',
  ]
  const bound = (v: number | null) => (v === null ? '∞' : formatMs(v))
  for (const r of rows) {
    const verdict = r.agrees === null ? 'undecided' : r.agrees ? 'agrees' : 'DIFFERS'
    lines.push(
      `  ${r.change.padEnd(18)} ${r.stage.padEnd(28)} ${r.metric}  baseline ${formatMs(r.baseline_ms).padStart(8)}  predicted ${formatMs(r.predicted_ms).padStart(8)}  measured ${(r.measured_ms === null ? '–' : formatMs(r.measured_ms)).padStart(8)}  change [${bound(r.measured_change_ci_ms[0])}, ${bound(r.measured_change_ci_ms[1])}]  ${verdict}${r.rerun_trusted ? '' : ' (re-run untrusted)'}`,
    )
  }
  return lines
}
