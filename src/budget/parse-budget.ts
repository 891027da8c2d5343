// Budget keys follow k6's tagged sub-metrics: a span name, optionally narrowed by span
// attributes in braces. Grammar:
//   key        = span-name [ "{" filter { "," filter } "}" ] | "throughput" | "capacity" | "sampling_overhead"
//   filter     = attribute "=" value          (value may be quoted with " or ')
// Each budget keeps its source text so reports show exactly what the user wrote.

import { DURATION_METRICS, type DurationMetric } from '../contract/stage-metrics.ts'
import { parseDurationMs, parseFraction } from '../units.ts'
import {
  checkStreamSelector,
  type GoodputBudget,
  isClientStreamTarget,
  parseGoodput,
} from './stream-budget.ts'

export { DURATION_METRICS, type DurationMetric }

export const STAGE_METRICS = [...DURATION_METRICS, 'error_rate'] as const
export type StageMetric = (typeof STAGE_METRICS)[number]
export const OVERHEAD_METRICS = ['cpu_per_request', 'p50', 'p99'] as const

export type StageSelector = { key: string; spanName: string; attributes: Record<string, string> }

export type OverheadMetric = (typeof OVERHEAD_METRICS)[number]

// `kind` discriminates: a stage budget (a span's statistics), the client's throughput, the
// capacity a search finds, the overhead of trace sampling (measured by interleaved trials,
// run/run-overhead.ts), or goodput (stream-budget.ts).
export type StageBudget = {
  kind: 'stage'
  target: string
  selector: StageSelector
  metric: StageMetric
  limit: number
  unit: 'ms' | 'ratio'
  source: string
}
export type ThroughputBudget = {
  kind: 'throughput'
  target: 'throughput'
  metric: 'min_rps'
  limit: number
  unit: 'req/s'
  source: string
}
// The highest rate that keeps every other budget (a capacity search, src/capacity/).
export type CapacityBudget = {
  kind: 'capacity'
  target: 'capacity'
  metric: 'min_rps'
  limit: number
  unit: 'req/s'
  source: string
}
export type OverheadBudget = {
  kind: 'sampling_overhead'
  target: 'sampling_overhead'
  metric: OverheadMetric
  limit: number
  unit: 'ratio'
  source: string
}
export type Budget = StageBudget | ThroughputBudget | CapacityBudget | OverheadBudget | GoodputBudget

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

type Parsed<T> = T | { problem: BudgetProblem }

function isOverheadMetric(metric: string): metric is OverheadMetric {
  return (OVERHEAD_METRICS as readonly string[]).includes(metric)
}

function isStageMetric(metric: string): metric is StageMetric {
  return (STAGE_METRICS as readonly string[]).includes(metric)
}

function isDurationMetric(metric: string): metric is DurationMetric {
  return (DURATION_METRICS as readonly string[]).includes(metric)
}

function fractionOf(raw: unknown): number | undefined {
  return typeof raw === 'string' || typeof raw === 'number' ? parseFraction(raw) : undefined
}

// throughput: the measured rate; capacity: the highest rate a search finds. Both a floor in req/s.
function parseMinRps(
  target: 'throughput' | 'capacity',
  metric: string,
  raw: unknown,
  source: string,
): Parsed<ThroughputBudget | CapacityBudget> {
  const path = [target, metric]
  if (metric !== 'min_rps')
    return { problem: { path, message: `expected min_rps, the only ${target} budget` } }
  if (typeof raw !== 'number' || !(raw > 0))
    return {
      problem: {
        path,
        message: `expected requests per second (a positive number), got ${JSON.stringify(raw)}`,
      },
    }
  const floor = { metric, limit: raw, unit: 'req/s', source } as const
  return target === 'throughput'
    ? { kind: 'throughput', target: 'throughput', ...floor }
    : { kind: 'capacity', target: 'capacity', ...floor }
}

function parseOverhead(metric: string, raw: unknown, source: string): Parsed<OverheadBudget> {
  const path = ['sampling_overhead', metric]
  if (!isOverheadMetric(metric))
    return { problem: { path, message: `expected one of ${OVERHEAD_METRICS.join(', ')}` } }
  const limit = fractionOf(raw)
  if (limit === undefined)
    return { problem: { path, message: `expected a percentage like 5%, got ${JSON.stringify(raw)}` } }
  return { kind: 'sampling_overhead', target: 'sampling_overhead', metric, limit, unit: 'ratio', source }
}

function parseStageMetric(
  target: string,
  selector: StageSelector,
  metric: string,
  raw: unknown,
  source: string,
): Parsed<StageBudget> {
  const path = [target, metric]
  // ttft, itl and tpot are client-measured durations; a failed stream counts in goodput instead.
  if (isClientStreamTarget(selector.spanName) && metric === 'error_rate')
    return {
      problem: {
        path,
        message: `expected one of ${DURATION_METRICS.join(', ')} (a failed stream counts in goodput)`,
      },
    }
  if (!isStageMetric(metric))
    return { problem: { path, message: `expected one of ${STAGE_METRICS.join(', ')}` } }
  const stage = { kind: 'stage', target, selector, source } as const
  if (metric === 'error_rate') {
    const limit = fractionOf(raw)
    if (limit === undefined || limit > 1)
      return {
        problem: { path, message: `expected an error rate like 0.01 or 1%, got ${JSON.stringify(raw)}` },
      }
    return { ...stage, metric, limit, unit: 'ratio' }
  }
  const limit = typeof raw === 'string' ? parseDurationMs(raw) : undefined
  if (limit === undefined || !isDurationMetric(metric))
    return { problem: { path, message: `expected a duration like 250ms, got ${JSON.stringify(raw)}` } }
  return { ...stage, metric, limit, unit: 'ms' }
}

// The stage a key names, or a problem: a key that does not parse, or a second spelling of a key
// already seen (quoted or not, spaced, attributes in another order), which would otherwise become
// a second, conflicting budget for the same spans.
function stageSelectorOf(target: string, firstSpelling: Map<string, string>): Parsed<StageSelector> {
  const selector = parseStageSelector(target)
  if (typeof selector === 'string') return { problem: { path: [target], message: selector } }
  const first = firstSpelling.get(selector.key) ?? target
  firstSpelling.set(selector.key, first)
  if (first === target) return selector
  return {
    problem: {
      path: [target],
      message: `the same stage as ${JSON.stringify(first)} (both are ${selector.key}); put all of its budgets under one key`,
    },
  }
}

function parseTarget(
  target: string,
  metrics: Readonly<Record<string, unknown>>,
  firstSpelling: Map<string, string>,
): Parsed<Budget>[] {
  const entries = Object.entries(metrics)
  const source = (metric: string, raw: unknown) => `${target}.${metric}: ${String(raw)}`
  if (target === 'throughput' || target === 'capacity')
    return entries.map(([m, raw]) => parseMinRps(target, m, raw, source(m, raw)))
  if (target === 'sampling_overhead') return entries.map(([m, raw]) => parseOverhead(m, raw, source(m, raw)))
  const selector = stageSelectorOf(target, firstSpelling)
  if ('problem' in selector) return entries.length > 0 ? [selector] : []
  if (selector.spanName === 'goodput') {
    const goodput = parseGoodput(selector, target, metrics)
    return [...goodput.budgets, ...goodput.problems.map((problem) => ({ problem }))]
  }
  const streamProblem = isClientStreamTarget(selector.spanName) ? checkStreamSelector(selector) : undefined
  if (streamProblem) return [{ problem: { path: [target], message: streamProblem } }]
  return entries.map(([m, raw]) => parseStageMetric(target, selector, m, raw, source(m, raw)))
}

// Every problem is reported, not just the first; a key that does not parse is reported once.
export function parseBudgets(input: Readonly<Record<string, Readonly<Record<string, unknown>>>>): {
  budgets: Budget[]
  problems: BudgetProblem[]
} {
  const budgets: Budget[] = []
  const problems: BudgetProblem[] = []
  const firstSpelling = new Map<string, string>()
  for (const [target, metrics] of Object.entries(input)) {
    for (const parsed of parseTarget(target, metrics, firstSpelling)) {
      if ('problem' in parsed) problems.push(parsed.problem)
      else budgets.push(parsed)
    }
  }
  return { budgets, problems }
}
