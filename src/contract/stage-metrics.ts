// The metrics a budget may name on a stage, and the field of report.json's stage statistics
// each duration metric reads. Budgets (parse, evaluate) and the report's charts share them.
import type { StageNumberField } from './report-types.ts'

export const DURATION_METRICS = ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean'] as const
export type DurationMetric = (typeof DURATION_METRICS)[number]

export const STAT_OF: Record<DurationMetric, StageNumberField> = {
  p50: 'p50_ms',
  p90: 'p90_ms',
  p95: 'p95_ms',
  p99: 'p99_ms',
  p999: 'p999_ms',
  max: 'max_ms',
  mean: 'mean_ms',
}

// Budget targets the load driver measures on streamed answers (issue 13) rather than spans.
export const CLIENT_STREAM_METRICS = ['ttft', 'itl', 'tpot'] as const

// What one sample of a budget's target is, for "about N … would decide it": ttft, tpot and
// goodput count streamed requests, itl the gaps between tokens, everything else spans.
export function sampleNounOf(target: string): string {
  const name = target.split('{')[0]
  if (name === 'itl') return 'token gaps'
  return name === 'ttft' || name === 'tpot' || name === 'goodput' ? 'streamed requests' : 'spans'
}
