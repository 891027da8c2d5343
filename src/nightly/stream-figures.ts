// Streamed-answer figures in stored reports, for the trend charts: the ttft / itl / tpot budget
// targets are the client's summaries (report.client_*_ms), not stages. Goodput and
// tenant-narrowed stream targets have no stored series, so they get no trend chart.
import type { StoredReport } from './stored-report.ts'

const FIELDS = { ttft: 'client_ttft_ms', itl: 'client_itl_ms', tpot: 'client_tpot_ms' } as const

export function isStreamTarget(stage: string): boolean {
  const base = stage.split('{')[0]!
  return base === 'goodput' || Object.hasOwn(FIELDS, base)
}

export function hasTrend(stage: string): boolean {
  return !isStreamTarget(stage) || Object.hasOwn(FIELDS, stage)
}

// The value and sample count of one percentile of a stream figure; undefined for any other target.
export function streamFigure(
  report: StoredReport,
  stage: string,
  metric: string,
): { value: unknown; count: number } | undefined {
  if (stage !== 'ttft' && stage !== 'itl' && stage !== 'tpot') return undefined
  const summary = report[FIELDS[stage]]
  if (!summary) return { value: undefined, count: 0 }
  return { value: summary[metric], count: summary.count }
}
