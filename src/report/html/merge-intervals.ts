// Long runs have one interval per second (3600 for an hour); the page draws at most a few
// hundred points, so adjacent intervals are merged. Counts add up; p50 becomes the
// request-weighted mean of the p50s (an approximation, labelled as such); p99 becomes the
// largest p99 of the merged intervals, so a spike is never averaged away.
import type { Report } from '../../contract/report-types.ts'

type Interval = Report['intervals'][number]

export type MergedInterval = Interval & { seconds: number }

export function intervalSeconds(intervals: readonly { start_ms: number }[]): number {
  const step = intervals.length > 1 ? intervals[1]!.start_ms - intervals[0]!.start_ms : 1000
  return step > 0 ? step / 1000 : 1
}

// Groups of consecutive indices, at most maxGroups of them, each of the same size but the last.
export function groupIndices(length: number, maxGroups: number): number[][] {
  const size = Math.max(1, Math.ceil(length / Math.max(1, maxGroups)))
  const groups: number[][] = []
  for (let i = 0; i < length; i += size)
    groups.push(Array.from({ length: Math.min(size, length - i) }, (_, j) => i + j))
  return groups
}

export function mergeIntervals(intervals: readonly Interval[], maxRows: number): MergedInterval[] {
  const seconds = intervalSeconds(intervals)
  return groupIndices(intervals.length, maxRows).map((group) => {
    const members = group.map((i) => intervals[i]!)
    const statusCodes: Record<string, number> = {}
    for (const m of members)
      for (const [code, n] of Object.entries(m.status_codes)) statusCodes[code] = (statusCodes[code] ?? 0) + n
    const withP50 = members.filter((m) => m.p50_ms !== null && m.requests > 0)
    const weight = withP50.reduce((sum, m) => sum + m.requests, 0)
    const p99s = members.map((m) => m.p99_ms).filter((v): v is number => v !== null)
    return {
      start_ms: members[0]!.start_ms,
      // A merged group counts as warm-up only if all of it was.
      warmup: members.every((m) => m.warmup),
      requests: members.reduce((sum, m) => sum + m.requests, 0),
      errors: members.reduce((sum, m) => sum + m.errors, 0),
      status_codes: statusCodes,
      p50_ms: weight > 0 ? withP50.reduce((sum, m) => sum + m.p50_ms! * m.requests, 0) / weight : null,
      p99_ms: p99s.length > 0 ? Math.max(...p99s) : null,
      seconds: members.length * seconds,
    }
  })
}
