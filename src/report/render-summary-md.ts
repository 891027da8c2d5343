// summary.md: the run in a few lines of GitHub-flavoured Markdown, for $GITHUB_STEP_SUMMARY or
// a PR comment: verdict with trust, the budgets (failing first), the top root causes.
// Cells are escaped for Markdown tables and for the HTML GitHub renders inside Markdown.
import type { BudgetResult, Report } from '../contract/report-types.ts'
import { capacityAnswerText } from './capacity-text.ts'
import { redactReport } from './redact-secrets.ts'
import {
  budgetEvidenceText,
  budgetLimitText,
  budgetMargin,
  budgetStatus,
  budgetsFailingFirst,
  budgetToDecideText,
  formatBudgetValue,
  measuredRequests,
  overallVerdict,
  rootCausesByCount,
  trustHeadline,
  trustReasons,
  verdictDetail,
} from './report-figures.ts'
import { streamMarkdownLines } from './stream-lines.ts'

export const TOP_ROOT_CAUSES = 5

const ICON = { pass: '✅', fail: '❌', untrusted: '⚠️' } as const

// A value inside a table cell: no line breaks, pipes escaped, and &, <, > as entities so a
// question like `<img src=x onerror=…>` renders as text; backticks would open code spans.
export function markdownCell(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/`/g, '&#96;')
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .trim()
}

// ⚠️ for an inconclusive budget: "fails" in a full run, "warning" in a quick one.
function resultCell(b: BudgetResult): string {
  if (budgetStatus(b) === 'inconclusive')
    return b.pass ? '⚠️ inconclusive (warning)' : '⚠️ **inconclusive (fails)**'
  return b.pass ? '✅ pass' : '❌ **fail**'
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`
}

export function renderSummaryMarkdown(input: Report): string {
  const report = redactReport(input)
  const verdict = overallVerdict(report)
  const s = report.scenario
  const lines: string[] = []
  lines.push(
    `## ${ICON[verdict]} ${verdict.toUpperCase()} — ${markdownCell(s.name)}: ${markdownCell(verdictDetail(report))}`,
  )
  lines.push('')
  lines.push(markdownCell(trustHeadline(report)))
  const reasons = trustReasons(report)
  if (reasons.length > 0) lines.push('', ...reasons.map((r) => `- ${markdownCell(r)}`))
  lines.push('')
  const facts = [
    `${report.duration_s.toFixed(1)} s after ${report.warmup_s} s warm-up`,
    `${report.load.completed} responses, ${report.load.rps.toFixed(1)} req/s`,
    report.client_latency_ms.count > 0
      ? `client p50 ${formatBudgetValue(report.client_latency_ms.p50, 'ms')}, p99 ${formatBudgetValue(report.client_latency_ms.p99, 'ms')}`
      : 'no responses after warm-up',
    `sampler ${report.sampler}`,
    ...(report.environment.git_sha ? [`commit ${report.environment.git_sha.slice(0, 12)}`] : []),
    ...(report.status !== 'complete' ? [`**${report.status}**`] : []),
  ]
  lines.push(markdownCell(facts.join(' · ')))
  lines.push('')

  if (report.budgets.length > 0) {
    lines.push(row(['Budget', 'Limit', 'Actual', 'Margin', 'Decided on', 'Result']))
    lines.push(row(['---', '---:', '---:', '---:', '---', ':---:']))
    for (const b of budgetsFailingFirst(report.budgets)) {
      const margin = budgetMargin(b)
      lines.push(
        row([
          `\`${b.target.replace(/`/g, "'").replace(/\|/g, '\\|')} ${b.metric}\``,
          markdownCell(budgetLimitText(b)),
          markdownCell(formatBudgetValue(b.actual, b.unit)),
          margin ? markdownCell(`${margin.text} (${margin.ratioText})`) : markdownCell(b.note ?? '–'),
          markdownCell([budgetEvidenceText(b), budgetToDecideText(b)].filter((t) => t).join('; ') || '–'),
          resultCell(b),
        ]),
      )
    }
  } else {
    lines.push('No budgets declared.')
  }
  lines.push('')
  lines.push(...streamMarkdownLines(report))

  const causes = rootCausesByCount(report)
  if (causes.length > 0) {
    const requests = measuredRequests(report)
    lines.push(`**Top root causes** (failed traces by deepest error span, of ${requests} measured requests)`)
    lines.push('')
    lines.push(row(['Error path', 'Traces', 'Share']))
    lines.push(row(['---', '---:', '---:']))
    for (const c of causes.slice(0, TOP_ROOT_CAUSES)) {
      const share = requests > 0 ? `${((c.count / requests) * 100).toFixed(2)}%` : '–'
      lines.push(row([markdownCell(c.path), String(c.count), share]))
    }
    if (causes.length > TOP_ROOT_CAUSES)
      lines.push('', `…and ${causes.length - TOP_ROOT_CAUSES} more kinds in report.html.`)
    lines.push('')
  }
  if (report.capacity) lines.push(`**Capacity:** ${markdownCell(capacityAnswerText(report.capacity))}`, '')
  const differs = report.what_if?.filter((r) => r.agrees === false) ?? []
  if (report.what_if && report.what_if.length > 0)
    lines.push(
      `**What-if:** ${report.what_if.length} predictions checked by a re-run, ${differs.length} outside the measured change's interval (see report.html, "Predicted vs measured").`,
      '',
    )
  lines.push('Full report: `report.html` beside this file (self-contained; open it in a browser).')
  return `${lines.join('\n')}\n`
}
