// One scenario's line in a suite overview, as plain text. summary.md, index.html and the nightly
// command's console show the same cells (verdict, trust, worst budget margin, regressions, report),
// each escaping and laying them out its own way.
import { marginText, type ScenarioOutcome, verdictText, worstMargin } from './suite-result.ts'

export type ScenarioOverview = {
  name: string
  verdict: string
  trust: string
  worstMargin: string
  regressions: string
  link: string | null // the HTML report, else the JSON report
}

export function scenarioOverview(outcome: ScenarioOutcome): ScenarioOverview {
  return {
    name: outcome.name,
    verdict: verdictText(outcome),
    trust: outcome.trust ?? '—',
    worstMargin: marginText(worstMargin(outcome.budgets)),
    regressions: regressionsText(outcome),
    link: outcome.links.html ?? outcome.links.json ?? null,
  }
}

export function regressionsText(outcome: ScenarioOutcome): string {
  const detection = outcome.detection
  if (!detection) return '—'
  const regressions = detection.findings.filter((f) => f.status === 'regression').length
  const improvements = detection.findings.filter((f) => f.status === 'improvement').length
  if (detection.status === 'insufficient-history')
    return `insufficient history (${detection.history.used} of ${detection.options.minHistory} runs)`
  const parts = [`${regressions} regression${regressions === 1 ? '' : 's'}`]
  if (improvements > 0) parts.push(`${improvements} improvement${improvements === 1 ? '' : 's'}`)
  return parts.join(', ')
}
