// Trend data for the charts: per budgeted stage, the budgeted percentiles (and p95 always) over the
// last nights, with each latency budget as a reference line, so that a slow creep shows before it
// crosses a budget. Pure: the caller passes the comparable history (same fingerprint and workload).
import { budgetedStages } from './run-snapshot.ts'
import type { StoredReport } from './stored-report.ts'
import { hasTrend, streamFigure } from './stream-figures.ts'

export type TrendPoint = { startedAt: string; value: number | null; synthetic: boolean; current: boolean }
export type TrendSeries = { metric: string; points: TrendPoint[] }
export type TrendChart = {
  stage: string
  series: TrendSeries[]
  limits: { metric: string; limit: number; source: string }[]
}

const PERCENTILES = ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean']

export function trendCharts(
  current: StoredReport,
  history: readonly StoredReport[],
  nights: number,
): TrendChart[] {
  const runs = [
    ...history.slice(-Math.max(0, nights - 1)).map((r) => ({ r, current: false })),
    { r: current, current: true },
  ]
  return budgetedStages(current)
    .filter(hasTrend)
    .map((stage) => {
      const limits = current.budgets
        .filter((b) => b.target === stage && b.unit === 'ms' && PERCENTILES.includes(b.metric))
        .map((b) => ({ metric: b.metric, limit: b.limit, source: b.source }))
      const metrics = ['p95', ...limits.map((l) => l.metric).filter((m) => m !== 'p95')]
      const unique = [...new Set(metrics)].sort((a, b) => PERCENTILES.indexOf(a) - PERCENTILES.indexOf(b))
      return {
        stage,
        limits,
        series: unique.map((metric) => ({
          metric,
          points: runs.map(({ r, current: isCurrent }) => {
            const stream = streamFigure(r, stage, metric)
            const value = stream
              ? stream.value
              : (r.stages[stage] as Record<string, unknown> | undefined)?.[`${metric}_ms`]
            const count = stream ? stream.count : (r.stages[stage]?.count ?? 0)
            return {
              startedAt: r.started_at,
              value: typeof value === 'number' && count > 0 ? value : null,
              synthetic: r.synthetic === true,
              current: isCurrent,
            }
          }),
        })),
      }
    })
}
