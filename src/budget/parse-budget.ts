// Budget keys follow k6's tagged sub-metrics: a span name, optionally narrowed by span
// attributes in braces. Grammar:
//   key        = span-name [ "{" filter { "," filter } "}" ] | "throughput" | "capacity" | "sampling_overhead"
//   filter     = attribute "=" value          (value may be quoted with " or ')
// Each budget keeps its source text so reports show exactly what the user wrote.
import { parseDurationMs, parseFraction } from '../units.ts'

export const DURATION_METRICS = ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean'] as const
export type DurationMetric = (typeof DURATION_METRICS)[number]
export const STAGE_METRICS = [...DURATION_METRICS, 'error_rate'] as const
export type StageMetric = (typeof STAGE_METRICS)[number]
export const OVERHEAD_METRICS = ['cpu_per_request', 'p50', 'p99'] as const

export type StageSelector = { key: string; spanName: string; attributes: Record<string, string> }

export type Budget =
  | {
      target: string
      selector: StageSelector
      metric: StageMetric
      limit: number
      unit: 'ms' | 'ratio'
      source: string
    }
  | { target: 'throughput'; metric: 'min_rps'; limit: number; unit: 'req/s'; source: string }
  // The highest rate that keeps every other budget (a capacity search, src/capacity/).
  | { target: 'capacity'; metric: 'min_rps'; limit: number; unit: 'req/s'; source: string }
  | {
      target: 'sampling_overhead'
      metric: (typeof OVERHEAD_METRICS)[number]
      limit: number
      unit: 'ratio'
      source: string
    }

export type BudgetProblem = { path: string[]; message: string }

const KEY_PATTERN = /^([^{}\s][^{}]*?)\s*(?:\{([^{}]*)\})?$/
const FILTER_PATTERN = /^\s*([A-Za-z_][\w.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^,"'\s][^,]*?))\s*$/

export function parseStageSelector(key: string): StageSelector | string {
  const match = KEY_PATTERN.exec(key)
  if (!match)
    return `expected a span name optionally followed by {attribute=value}, like rag_pipeline{tenant_id=acme}`
  const spanName = match[1]!.trim()
  const attributes: Record<string, string> = {}
  if (match[2] !== undefined) {
    const filters = match[2].split(',')
    for (const filter of filters) {
      const f = FILTER_PATTERN.exec(filter)
      if (!f) return `expected attribute=value inside the braces, got ${JSON.stringify(filter.trim())}`
      if (Object.hasOwn(attributes, f[1]!))
        return `attribute ${f[1]} is given twice; a span has one value per attribute`
      attributes[f[1]!] = f[2] ?? f[3] ?? f[4]!
    }
  }
  return { key: canonicalKey(spanName, attributes), spanName, attributes }
}

export function canonicalKey(spanName: string, attributes: Record<string, string>): string {
  const names = Object.keys(attributes).sort()
  return names.length === 0 ? spanName : `${spanName}{${names.map((n) => `${n}=${attributes[n]}`).join(',')}}`
}

export function parseBudgets(input: Readonly<Record<string, Readonly<Record<string, unknown>>>>): {
  budgets: Budget[]
  problems: BudgetProblem[]
} {
  const budgets: Budget[] = []
  const problems: BudgetProblem[] = []
  // Spellings of one stage key (quoted or not, spaced, attributes in another order) are one key:
  // the first spelling of each canonical key, so a second one is refused instead of becoming a
  // second, conflicting budget for the same spans.
  const firstSpelling = new Map<string, string>()
  for (const [target, metrics] of Object.entries(input)) {
    for (const [metric, raw] of Object.entries(metrics)) {
      const path = [target, metric]
      const source = `${target}.${metric}: ${String(raw)}`
      if (target === 'throughput' || target === 'capacity') {
        if (metric !== 'min_rps') {
          problems.push({ path, message: `expected min_rps, the only ${target} budget` })
        } else if (typeof raw !== 'number' || !(raw > 0)) {
          problems.push({
            path,
            message: `expected requests per second (a positive number), got ${JSON.stringify(raw)}`,
          })
        } else {
          budgets.push({ target, metric, limit: raw, unit: 'req/s', source })
        }
        continue
      }
      if (target === 'sampling_overhead') {
        const limit = typeof raw === 'string' || typeof raw === 'number' ? parseFraction(raw) : undefined
        if (!(OVERHEAD_METRICS as readonly string[]).includes(metric)) {
          problems.push({ path, message: `expected one of ${OVERHEAD_METRICS.join(', ')}` })
        } else if (limit === undefined) {
          problems.push({ path, message: `expected a percentage like 5%, got ${JSON.stringify(raw)}` })
        } else {
          budgets.push({
            target,
            metric: metric as (typeof OVERHEAD_METRICS)[number],
            limit,
            unit: 'ratio',
            source,
          })
        }
        continue
      }
      const selector = parseStageSelector(target)
      if (typeof selector === 'string') {
        problems.push({ path: [target], message: selector })
        break
      }
      const first = firstSpelling.get(selector.key) ?? target
      firstSpelling.set(selector.key, first)
      if (first !== target) {
        problems.push({
          path: [target],
          message: `the same stage as ${JSON.stringify(first)} (both are ${selector.key}); put all of its budgets under one key`,
        })
        break
      }
      if (!(STAGE_METRICS as readonly string[]).includes(metric)) {
        problems.push({ path, message: `expected one of ${STAGE_METRICS.join(', ')}` })
        continue
      }
      if (metric === 'error_rate') {
        const limit = typeof raw === 'string' || typeof raw === 'number' ? parseFraction(raw) : undefined
        if (limit === undefined || limit > 1) {
          problems.push({
            path,
            message: `expected an error rate like 0.01 or 1%, got ${JSON.stringify(raw)}`,
          })
        } else {
          budgets.push({ target, selector, metric, limit, unit: 'ratio', source })
        }
        continue
      }
      const limit = typeof raw === 'string' ? parseDurationMs(raw) : undefined
      if (limit === undefined) {
        problems.push({ path, message: `expected a duration like 250ms, got ${JSON.stringify(raw)}` })
      } else {
        budgets.push({ target, selector, metric: metric as DurationMetric, limit, unit: 'ms', source })
      }
    }
  }
  return { budgets, problems }
}
