// What-if, verified: for each change, the prediction the baseline run's traces made (in the
// endpoint, src/analysis/what-if-predictor.ts) against a re-run of the scenario with that
// dependency's latency model scaled. One re-run per change, with the baseline's seed (common
// random numbers: every call draws the baseline's latency × factor, and the request sequence is
// the same), so the two runs differ by the change and by scheduling noise, not by different draws.
import type { WhatIfPrediction } from '../analysis/what-if-predictor.ts'
import type { Report } from '../contract/report-types.ts'
import type { WhatIfRow } from '../contract/what-if-schema.ts'
import type { Scenario, WhatIfChange } from '../scenario/schema.ts'
import { whatIfScenario } from './what-if-scenario.ts'

export type RunWhatIfStep = (scenario: Scenario, options: { signal?: AbortSignal }) => Promise<Report>

const METRICS = ['p50', 'p95', 'p99'] as const

export function whatIfRows(
  change: WhatIfChange,
  predictions: readonly WhatIfPrediction[],
  baseline: Pick<Report, 'stages'>,
  rerun: Pick<Report, 'stages'> & { trust: Pick<Report['trust'], 'verdict'> },
): WhatIfRow[] {
  const rows: WhatIfRow[] = []
  for (const p of predictions.filter((x) => x.change === change.label)) {
    const base = baseline.stages[p.stage]
    if (!base || base.count === 0) continue
    const measured = rerun.stages[p.stage]
    for (const metric of METRICS) {
      const baselineMs = base[`${metric}_ms`]
      // The reservoir predicts the change; the baseline's full-sample percentile anchors it.
      const predictedMs = Math.max(0, baselineMs + (p.predicted_ms[metric] - p.reservoir_ms[metric]))
      const seen = measured !== undefined && measured.count > 0
      const [low, high] = (seen ? measured.ci95_ms?.[metric] : undefined) ?? [null, null]
      const [baseLow, baseHigh] = base.ci95_ms?.[metric] ?? [null, null]
      const changeLow = low !== null && baseHigh !== null ? low - baseHigh : null
      const changeHigh = high !== null && baseLow !== null ? high - baseLow : null
      const predictedChange = predictedMs - baselineMs
      rows.push({
        change: change.label,
        stage: p.stage,
        metric,
        baseline_ms: baselineMs,
        predicted_ms: predictedMs,
        measured_ms: seen ? measured[`${metric}_ms`] : null,
        measured_ci_ms: [low, high],
        baseline_ci_ms: [baseLow, baseHigh],
        measured_change_ci_ms: [changeLow, changeHigh],
        agrees:
          changeLow !== null && changeHigh !== null
            ? predictedChange >= changeLow && predictedChange <= changeHigh
            : null,
        spans: p.spans,
        rerun_trusted: rerun.trust.verdict === 'trusted',
      })
    }
  }
  return rows
}

export async function runWhatIf(
  scenario: Scenario,
  predictions: readonly WhatIfPrediction[],
  baseline: Pick<Report, 'stages'>,
  options: {
    runStep: RunWhatIfStep
    signal?: AbortSignal | undefined
    onPhase?: ((phase: string) => void) | undefined
  },
): Promise<WhatIfRow[]> {
  const rows: WhatIfRow[] = []
  for (const change of scenario.whatIf) {
    if (options.signal?.aborted) break
    options.onPhase?.(
      `what-if ${change.label}: re-running with ${change.dependency}'s latency model × ${change.factor}`,
    )
    const rerun = await options.runStep(
      whatIfScenario(scenario, change),
      options.signal ? { signal: options.signal } : {},
    )
    if (rerun.status !== 'complete') break
    rows.push(...whatIfRows(change, predictions, baseline, rerun))
  }
  return rows
}
