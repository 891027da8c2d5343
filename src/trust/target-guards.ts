// Trust checks for a team's service (target:), which the harness cannot instrument itself: did
// the service export a server trace for the requests the driver sent (joined by the traceparent
// every request carries), and which span names did it use when a budget names one it never sent.

import type { BudgetResult } from '../contract/report-types.ts'
import type { ClientSample } from '../load/client-load-result.ts'
import { editDistance } from '../scenario/suggest-key.ts'
import type { Guard } from './trust-guards.ts'

// More than 1% of measured responses without a server trace makes the stage figures a sample the
// service chose (its sampler, a dropping exporter), not the run's traffic.
export const MIN_SERVER_TRACE_SHARE = 0.99

export function serverTraceGuard(
  samples: readonly ClientSample[],
  serverTraceIds: ReadonlyMap<string, number>,
): Guard {
  let responses = 0
  let joined = 0
  for (const sample of samples) {
    if (sample.status === 0) continue
    responses++
    if (serverTraceIds.has(sample.traceId)) joined++
  }
  const share = responses > 0 ? joined / responses : null
  const pct = share === null ? 'n/a' : `${Math.round(share * 100)}%`
  const pass = share === null || share >= MIN_SERVER_TRACE_SHARE
  return {
    name: 'server traces',
    figure: share,
    threshold: MIN_SERVER_TRACE_SHARE,
    unit: 'ratio',
    comparison: '>=',
    pass,
    reason: pass
      ? `the service exported spans for ${pct} of requests (${joined} of ${responses})`
      : `the service exported spans for ${pct} of requests (${joined} of ${responses}): check its sampler and exporter`,
  }
}

// A budget whose stage saw no spans: name the closest span names the service did send.
export function withClosestSpanNames(budgets: BudgetResult[], seen: readonly string[]): BudgetResult[] {
  if (seen.length === 0) return budgets
  return budgets.map((budget) => {
    if (budget.actual !== null || budget.count !== 0 || budget.target === 'throughput') return budget
    const wanted = budget.target.split('{')[0]!.trim()
    const closest = [...seen]
      .sort((a, b) => editDistance(wanted, a) - editDistance(wanted, b) || a.localeCompare(b))
      .slice(0, 3)
    return {
      ...budget,
      note: `${budget.note ?? 'no spans'}; closest span names seen: ${closest.map((n) => JSON.stringify(n)).join(', ')}`,
    }
  })
}
