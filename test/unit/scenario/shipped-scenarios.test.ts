// The scenarios in scenarios/ are part of the product: each must validate, point editors at the
// generated JSON Schema, finish well under a minute, and carry the facts that its description
// relies on (a scenario built to fail a budget must have a latency model that breaks it).
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { Budget } from '../../../src/budget/parse-budget.ts'
import { modelQuantileMs } from '../../../src/mocks/latency-model.ts'
import { SCHEMA_MODELINE } from '../../../src/scenario/json-schema.ts'
import { listScenarios, loadScenario } from '../../../src/scenario/load-scenario.ts'
import type { Scenario } from '../../../src/scenario/schema.ts'

const SHIPPED = ['baseline', 'cold-cache', 'llm-timeout', 'rate-limit', 'slow-vector-store', 'streaming-chat']
const FIXTURES = fileURLToPath(new URL('../../fixtures/scenarios/good/', import.meta.url))

function limit(scenario: Scenario, target: string, metric: string): number {
  const budget = scenario.budgets.find((b: Budget) => b.target === target && b.metric === metric)
  if (!budget) throw new Error(`${scenario.name} has no budget ${target}.${metric}`)
  return budget.limit
}

describe('shipped scenarios', () => {
  const listed = listScenarios()

  it('ships at least the five scenarios the product promises', () => {
    expect(listed.map((entry) => entry.name)).toEqual(expect.arrayContaining(SHIPPED))
  })

  describe.each(listed.map((entry) => [entry.name, entry] as const))('%s', (name, entry) => {
    const { scenario, text } = loadScenario(name)

    it('references the generated JSON Schema on its first line', () => {
      expect(text.split('\n')[0]).toBe(SCHEMA_MODELINE)
    })

    it('is named after its file and says which question it answers', () => {
      expect(scenario.name).toBe(name)
      expect(entry.description).toMatch(/^Answers: .+\?/)
    })

    // Long enough that its percentile and 1% error-rate budgets can be decided (an error_rate of
    // 1% with no errors needs ~370 requests; a p99 needs 368 spans for an upper bound, and many
    // more next to a second mode, as in llm-timeout), short enough for the nightly suite.
    it('is small enough for a 2-core machine and its load finishes within two minutes', () => {
      if (scenario.load.arrival) {
        expect(scenario.load.arrival.ratePerSec ?? 0).toBeLessThanOrEqual(100)
      } else {
        expect(scenario.load.connections).toBeLessThanOrEqual(64)
        expect(scenario.load.durationMs).toBeGreaterThanOrEqual(10_000)
      }
      expect(scenario.load.durationMs).toBeLessThanOrEqual(110_000)
      expect(scenario.load.warmupMs).toBeGreaterThanOrEqual(2_000)
      expect(scenario.load.durationMs + scenario.load.warmupMs).toBeLessThanOrEqual(120_000)
    })

    it('declares budgets', () => {
      expect(scenario.budgets.length).toBeGreaterThan(0)
    })
  })

  it('streaming-chat: its stream budgets sit above what its LLM model alone gives', () => {
    const { scenario } = loadScenario('streaming-chat')
    const llm = scenario.dependencies.llm.latency
    if (llm.kind !== 'tokens' || !llm.perToken)
      throw new Error('streaming-chat needs a tokens model with a per_token model')
    expect(scenario.requests.every((request) => request.stream)).toBe(true)
    // The provider's own TTFT p95 (≈ 800 ms) is under the server-side and client TTFT budgets.
    const providerTtftP95 = modelQuantileMs(llm.ttft, 0.95)
    expect(providerTtftP95).toBeLessThan(limit(scenario, 'llm_generation.time_to_first_token', 'p95'))
    expect(providerTtftP95).toBeLessThan(limit(scenario, 'ttft', 'p95'))
    // Every gap is a per-token draw: its p95 (≈ 43.5 ms) under the ITL budget, its mean under TPOT's.
    expect(modelQuantileMs(llm.perToken, 0.95)).toBeLessThan(limit(scenario, 'itl', 'p95'))
    expect(llm.perTokenMs).toBeLessThan(limit(scenario, 'tpot', 'p95'))
  })

  it('slow-vector-store: the vector store model breaks the vector_search p99 budget it is built to fail', () => {
    const { scenario } = loadScenario('slow-vector-store')
    const model = scenario.dependencies.vector_store.latency
    expect(model.kind).toBe('lognormal')
    if (model.kind !== 'lognormal') return
    expect(model.p99Ms).toBeGreaterThan(2 * limit(scenario, 'vector_search', 'p99'))
    expect(scenario.description).toContain('vector_search p99 100ms')
  })

  it('cold-cache: no question ever repeats', () => {
    const { scenario } = loadScenario('cold-cache')
    for (const kind of scenario.requests) expect(kind.questions?.distribution).toBe('unique')
  })

  it('llm-timeout: hung LLM calls are cut by a per-attempt timeout and retried', () => {
    const { scenario } = loadScenario('llm-timeout')
    expect(scenario.dependencies.llm.failures).toEqual([{ kind: 'timeout', probability: 0.05 }])
    expect(scenario.pipeline.timeoutMs.llm).toBe(2000)
    expect(scenario.pipeline.retries.llm?.max).toBeGreaterThanOrEqual(1)
    // One timeout plus a retry must fit inside the p99 budget, or the scenario could not pass.
    expect(limit(scenario, 'llm_generation', 'p99')).toBeGreaterThan(2000 + 200 + 1000)
  })

  it('rate-limit: issue 3 settings (provider 40 req/s, retries, a noisy tenant held to 5 req/s)', () => {
    const { scenario } = loadScenario('rate-limit')
    expect(scenario.dependencies.llm.rate_limit).toEqual({ ratePerSec: 40, burst: 10, retryAfterMs: 1000 })
    expect(scenario.pipeline.retries.llm).toEqual({ max: 2, backoffMs: 200, maxBackoffMs: 2000 })
    expect(scenario.tenants.noisy?.rate_limit).toEqual({ ratePerSec: 5, burst: 5 })
    const acme = scenario.requests.find((kind) => kind.tenant === 'acme')
    expect(acme?.questions).toMatchObject({ pool: 500, distribution: 'zipf' })
  })
})

describe('end-to-end fixtures', () => {
  const fixed = { auth: 5, embedding: 20, vector_store: 10, reranker: 15, llm: 30 }

  it.each([['fixed-latency.yaml'], ['fixed-latency-fail.yaml']])('%s has the fixed latencies', (file) => {
    const { scenario, text } = loadScenario(`${FIXTURES}${file}`)
    expect(text.split('\n')[0]).toBe(
      '# yaml-language-server: $schema=../../../../scenarios/scenario.schema.json',
    )
    for (const [name, ms] of Object.entries(fixed)) {
      expect(scenario.dependencies[name as keyof typeof fixed].latency).toEqual({ kind: 'fixed', ms })
    }
    expect(scenario.load).toMatchObject({ connections: 4, durationMs: 5000, warmupMs: 1000 })
  })

  it('fixed-latency: every budget sits well above the configured floor', () => {
    const { scenario } = loadScenario(`${FIXTURES}fixed-latency.yaml`)
    expect(limit(scenario, 'rag_pipeline', 'p50')).toBeGreaterThan(2 * (20 + 10 + 15 + 30))
    expect(limit(scenario, 'llm_generation', 'p50')).toBeGreaterThan(2 * 30)
    expect(limit(scenario, 'authentication', 'p95')).toBeGreaterThan(2 * 5)
  })

  it('fixed-latency-fail: the llm_generation p50 budget is below the fixed LLM latency', () => {
    const { scenario } = loadScenario(`${FIXTURES}fixed-latency-fail.yaml`)
    expect(limit(scenario, 'llm_generation', 'p50')).toBeLessThan(30)
    expect(scenario.budgets.filter((b) => b.target === 'llm_generation')).toHaveLength(1)
  })
})
