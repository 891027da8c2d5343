// summary.md of a nightly suite run: compact enough for $GITHUB_STEP_SUMMARY or a PR comment.

import { EXIT_MEANING } from '../errors.ts'
import type { Finding } from './regression.ts'
import { scenarioOverview } from './scenario-overview.ts'
import type { SuiteResult } from './suite-result.ts'

// Text inside a markdown table cell: no pipes or line breaks, no HTML.
export function mdCell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\r\n]+/g, ' ')
}

export function mdCode(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ')
  return clean.includes('`') ? `\`\` ${clean} \`\`` : `\`${clean}\``
}

export function syntheticNote(result: SuiteResult): string | null {
  const synthetic = result.outcomes.reduce((sum, o) => sum + (o.detection?.history.synthetic ?? 0), 0)
  if (synthetic === 0 && result.seededNights === 0) return null
  return `Trends and baselines include synthetic nights (fabricated by --seed-history from this run, marked synthetic: true in the history): they are not measurements.`
}

export function renderSuiteSummary(result: SuiteResult): string {
  const lines: string[] = []
  const ok = result.exitCode === 0
  lines.push(
    `## Nightly performance: ${mdCell(result.suite.name)} — ${ok ? 'PASS' : 'FAIL'} (exit ${result.exitCode}: ${EXIT_MEANING[result.exitCode]})`,
  )
  lines.push('')
  lines.push(
    `${result.quick ? 'Quick run (--quick), ' : ''}started ${result.startedAt} on ${mdCell(result.machine)}.`,
  )
  const note = syntheticNote(result)
  if (note) lines.push('', `> **Synthetic history.** ${note}`)
  lines.push('')
  lines.push('| Scenario | Verdict | Trust | Worst budget margin | Regressions | Report |')
  lines.push('|---|---|---|---|---|---|')
  for (const outcome of result.outcomes) {
    const row = scenarioOverview(outcome)
    const cells = [row.name, row.verdict, row.trust, row.worstMargin, row.regressions].map(mdCell)
    const link = row.link ? `[${mdCell(row.link)}](${encodeURI(row.link)})` : '—'
    lines.push(`| ${[...cells, link].join(' | ')} |`)
  }
  const failedBudgets = result.outcomes.flatMap((o) =>
    o.budgets
      .filter((b) => b.outcome === 'fail' || b.outcome === 'unexpected-pass')
      .map((b) => ({ scenario: o.name, budget: b })),
  )
  if (failedBudgets.length > 0) {
    lines.push('', '### Failed budgets', '')
    for (const { scenario, budget } of failedBudgets) {
      const what =
        budget.outcome === 'unexpected-pass'
          ? 'expected to fail, but passed'
          : `actual ${budget.actual === null ? 'no data' : `${round(budget.actual)} ${budget.unit}`} vs limit ${round(budget.limit)} ${budget.unit}${budget.inconclusive && budget.note ? ` — ${budget.note}` : ''}`
      lines.push(`- **${mdCell(scenario)}** ${mdCode(budget.source)}: ${mdCell(what)}`)
    }
  }
  const warnings = result.outcomes.flatMap((o) =>
    o.budgets.filter((b) => b.outcome === 'inconclusive').map((b) => ({ scenario: o.name, budget: b })),
  )
  if (warnings.length > 0) {
    lines.push('', '### Inconclusive budgets (warnings)', '')
    for (const { scenario, budget } of warnings) {
      const what = `actual ${budget.actual === null ? 'no data' : `${round(budget.actual)} ${budget.unit}`} vs limit ${round(budget.limit)} ${budget.unit} — ${budget.note ?? 'inconclusive'}`
      lines.push(`- **${mdCell(scenario)}** ${mdCode(budget.source)}: ${mdCell(what)}`)
    }
  }
  for (const [title, status] of [
    ['Regressions', 'regression'],
    ['Improvements', 'improvement'],
  ] as const) {
    const found = result.outcomes.flatMap((o) =>
      (o.detection?.findings ?? []).filter((f) => f.status === status).map((f) => ({ scenario: o.name, f })),
    )
    if (found.length === 0) continue
    lines.push('', `### ${title}`, '')
    for (const { scenario, f } of found) lines.push(`- **${mdCell(scenario)}** ${findingLine(f)}`)
  }
  const notes = result.outcomes.flatMap((o) => [
    ...(o.error ? [`${o.name}: ${o.error}`] : []),
    ...o.notes.map((n) => `${o.name}: ${n}`),
  ])
  if (notes.length > 0) {
    lines.push('', '### Notes', '')
    for (const n of notes) lines.push(`- ${mdCell(n)}`)
  }
  return `${lines.join('\n')}\n`
}

export function findingLine(f: Finding): string {
  return `${mdCode(f.key)}: ${mdCell(f.evidence)}`
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(Math.abs(value) < 1 ? 4 : 1)
}
