// Budgets on streamed answers, measured by the load driver (issue 13):
//   ttft / itl / tpot [ {tenant_id=…} ]: { p95: 1s, … }   durations, the usual percentile metrics
//   goodput [ {tenant_id=…} ]: { min: 95%, min_rps: 20, slo: { ttft: 1s, itl: 50ms, tpot: 40ms, e2e: 4s } }
// ttft, itl and tpot parse like stage keys (so they are decided like stages, on their 95%
// intervals); goodput, the share of requests that met every SLO (vLLM's request goodput), is a
// kind of its own. Only the tenant narrows them: the client knows no other attribute.
import { CLIENT_STREAM_METRICS } from '../contract/stage-metrics.ts'
import { parseDurationMs, parseFraction } from '../units.ts'
import type { BudgetProblem, StageSelector } from './parse-budget.ts'

export const GOODPUT_METRICS = ['min', 'min_rps'] as const

export type GoodputSloMs = { ttftMs?: number; itlMs?: number; tpotMs?: number; e2eMs?: number }

const SLO_FIELDS: Record<string, keyof GoodputSloMs> = {
  ttft: 'ttftMs',
  itl: 'itlMs',
  tpot: 'tpotMs',
  e2e: 'e2eMs',
}
const SLO_KEYS = Object.keys(SLO_FIELDS)

export type GoodputBudget = {
  kind: 'goodput'
  target: string // canonical: goodput or goodput{tenant_id=acme}
  tenant: string | undefined
  metric: (typeof GOODPUT_METRICS)[number]
  limit: number
  unit: 'ratio' | 'req/s'
  slo: GoodputSloMs
  source: string
}

export function isClientStreamTarget(spanName: string): boolean {
  return (CLIENT_STREAM_METRICS as readonly string[]).includes(spanName)
}

// A stream key may be narrowed by tenant_id only.
export function checkStreamSelector(selector: StageSelector): string | undefined {
  const extra = Object.keys(selector.attributes).filter((name) => name !== 'tenant_id')
  return extra.length > 0
    ? `expected only tenant_id inside the braces of ${selector.spanName} (the client knows no other attribute), got ${extra.join(', ')}`
    : undefined
}

export function parseGoodput(
  selector: StageSelector,
  target: string,
  metrics: Readonly<Record<string, unknown>>,
): { budgets: GoodputBudget[]; problems: BudgetProblem[] } {
  const problems: BudgetProblem[] = []
  const narrowed = checkStreamSelector(selector)
  if (narrowed) return { budgets: [], problems: [{ path: [target], message: narrowed }] }
  const slo = parseSlo(metrics.slo, target, problems)
  const budgets: GoodputBudget[] = []
  const tenant = selector.attributes.tenant_id
  for (const [metric, raw] of Object.entries(metrics)) {
    if (metric === 'slo') continue
    const path = [target, metric]
    const limit = goodputLimit(metric, raw)
    if ('problem' in limit) problems.push({ path, message: limit.problem })
    else if (slo) {
      const source = `${target}.${metric}: ${String(raw)}`
      budgets.push({ kind: 'goodput', target: selector.key, tenant, ...limit, slo, source })
    }
  }
  if (budgets.length === 0 && problems.length === 0)
    problems.push({ path: [target], message: 'expected min (a share like 95%) or min_rps beside the slo' })
  return { budgets, problems }
}

function parseSlo(raw: unknown, target: string, problems: BudgetProblem[]): GoodputSloMs | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push({
      path: [target, 'slo'],
      message:
        'expected an slo, e.g. slo: { ttft: 1s, e2e: 4s } (any of ttft, itl, tpot, e2e): goodput counts the requests that meet it',
    })
    return undefined
  }
  const slo: GoodputSloMs = {}
  for (const [key, value] of Object.entries(raw)) {
    const ms = typeof value === 'string' ? parseDurationMs(value) : undefined
    const field = Object.hasOwn(SLO_FIELDS, key) ? SLO_FIELDS[key] : undefined
    if (field === undefined) {
      problems.push({ path: [target, 'slo', key], message: `expected one of ${SLO_KEYS.join(', ')}` })
    } else if (ms === undefined) {
      problems.push({
        path: [target, 'slo', key],
        message: `expected a duration like 1s, got ${JSON.stringify(value)}`,
      })
    } else slo[field] = ms
  }
  if (Object.keys(slo).length === 0 && problems.length === 0)
    problems.push({ path: [target, 'slo'], message: 'expected at least one of ttft, itl, tpot, e2e' })
  return problems.length === 0 ? slo : undefined
}

// min: the share of requests meeting the SLO (a ratio); min_rps: their rate.
function goodputLimit(
  metric: string,
  raw: unknown,
):
  | { metric: 'min'; limit: number; unit: 'ratio' }
  | { metric: 'min_rps'; limit: number; unit: 'req/s' }
  | { problem: string } {
  if (metric === 'min') {
    const limit = typeof raw === 'string' || typeof raw === 'number' ? parseFraction(raw) : undefined
    if (limit === undefined || limit > 1)
      return { problem: `expected a share like 95%, got ${JSON.stringify(raw)}` }
    return { metric, limit, unit: 'ratio' }
  }
  if (metric === 'min_rps') {
    if (typeof raw !== 'number' || !(raw > 0))
      return { problem: `expected requests per second (a positive number), got ${JSON.stringify(raw)}` }
    return { metric, limit: raw, unit: 'req/s' }
  }
  return { problem: 'expected min, min_rps or slo' }
}
