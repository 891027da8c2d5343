// The loader's one contract, fuzzed (issue 11, "make it systematic"): for any document, either a
// ValidationError whose every line reads `file:line:col: key: message` (exit 2, no stack), or a
// scenario whose every run parameter is within the schema's documented bounds. Seeded, bounded.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { ValidationError } from '../../../src/errors.ts'
import { parseScenarioText } from '../../../src/scenario/load-scenario.ts'
import { LIMITS, type Scenario } from '../../../src/scenario/schema.ts'

const BASE = {
  name: 'fuzz',
  seed: 3,
  load: { connections: 4, duration: '5s', warmup: '1s', request_timeout: '30s' },
  requests: [
    { tenant: 'acme', api_key: 'key-acme', weight: 2, questions: { pool: 100, distribution: 'zipf' } },
    { tenant: 'globex', api_key: 'key-globex', question: 'q', k: 5, rerank: false },
  ],
  tenants: { acme: { rate_limit: { rps: 50, burst: 10 } } },
  dependencies: {
    llm: {
      latency: { lognormal: { p50: '300ms', p99: '900ms' } },
      failures: [{ status: 500, probability: 0.01 }],
    },
  },
  pipeline: { timeout: '8s', retries: { llm: { max: 2, backoff: '100ms' } }, cache: { capacity: 100 } },
  budgets: { rag_pipeline: { p95: '2s' }, throughput: { min_rps: 5 } },
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

// Values that break things: wrong types, huge and tiny numbers, odd durations, unicode, depth.
const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(0, -1, 1.5, 1e308, -1e308, 2 ** 31, 2 ** 53, 1e-9, 1e10),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom('0s', '0ms', '1000h', '24h', '10m', '-5s', '1e9ms', '5', 'NaN', '', ' ', '__proto__'),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.integer({ min: 50, max: 400 }).map((depth) => {
    let value: Json = 1
    for (let i = 0; i < depth; i++) value = { a: value }
    return value
  }),
)

// Every path to a leaf or a mapping of the base document.
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix]
  const entries: [string | number, Json][] = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : Object.entries(value)
  return [prefix, ...entries.flatMap(([key, item]) => paths(item, [...prefix, key]))]
}
const BASE_PATHS = paths(BASE as unknown as Json).filter((p) => p.length > 0)

const mutation = fc.record({
  path: fc.constantFrom(...BASE_PATHS),
  value: hostileValue,
  extraKey: fc.option(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 })),
})

function mutate(mutations: { path: (string | number)[]; value: Json; extraKey: string | null }[]): Json {
  const doc = structuredClone(BASE) as unknown as Json
  for (const { path, value, extraKey } of mutations) {
    let node: Json = doc
    for (const segment of path.slice(0, -1)) {
      if (node === null || typeof node !== 'object') break
      node = (node as Record<string, Json>)[segment as string] ?? null
    }
    if (node === null || typeof node !== 'object') continue
    const last = path.at(-1)!
    if (extraKey !== null && !Array.isArray(node)) (node as Record<string, Json>)[extraKey] = value
    else (node as Record<string, Json>)[last as string] = value
  }
  return doc
}

function withinBounds(s: Scenario): void {
  const { load, pipeline } = s
  expect(load.durationMs).toBeGreaterThan(0)
  expect(load.durationMs).toBeLessThanOrEqual(LIMITS.runMs)
  expect(load.warmupMs).toBeLessThanOrEqual(LIMITS.runMs)
  expect(load.requestTimeoutMs).toBeGreaterThan(0)
  expect(load.requestTimeoutMs).toBeLessThanOrEqual(LIMITS.requestMs)
  if (load.connections !== undefined) expect(load.connections).toBeLessThanOrEqual(LIMITS.connections)
  expect(pipeline.deadlineMs).toBeGreaterThan(0)
  expect(pipeline.deadlineMs).toBeLessThanOrEqual(LIMITS.requestMs)
  for (const t of Object.values(pipeline.timeoutMs)) expect(t).toBeLessThanOrEqual(LIMITS.requestMs)
  for (const r of Object.values(pipeline.retries)) expect(r!.max).toBeLessThanOrEqual(LIMITS.retries)
  expect(pipeline.cache.capacity).toBeLessThanOrEqual(LIMITS.cacheCapacity)
  expect(s.seed).toBeLessThanOrEqual(LIMITS.seed)
  for (const r of s.requests) {
    expect(r.weight).toBeLessThanOrEqual(LIMITS.weight)
    if (r.k !== undefined) expect(r.k).toBeLessThanOrEqual(LIMITS.k)
    if (r.questions) expect(r.questions.pool).toBeLessThanOrEqual(LIMITS.questionPool)
  }
}

function checkContract(text: string): void {
  let scenario: Scenario | undefined
  try {
    scenario = parseScenarioText(text, 'fuzz.yaml')
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error
    expect(error.exitCode).toBe(2)
    expect(error.problems.length).toBeGreaterThan(0)
    for (const line of error.problems) {
      expect(line).toMatch(/^fuzz\.yaml:\d+:\d+: /)
      expect(line).not.toMatch(/\n\s+at /)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: no raw control characters reach the terminal
      expect(line).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u202e]/)
    }
    return
  }
  withinBounds(scenario)
}

describe('the fuzzed loader', () => {
  it('the unmutated base document is valid', () => {
    expect(() => parseScenarioText(stringify(BASE), 'fuzz.yaml')).not.toThrow()
  })

  it('mutated documents: exit 2 with located problems, or a scenario within bounds', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        checkContract(stringify(mutate(mutations)))
      }),
      { seed: 1101, numRuns: 300 },
    )
  })

  it('arbitrary text: the same contract', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 200 }),
          fc.jsonValue({ maxDepth: 5 }).map((value) => stringify(value)),
          fc.constantFrom(
            'a: &a [*a]',
            '- - - - -',
            '{{{{',
            'name: x\nname: y',
            '!!binary AAAA',
            '? [a]\n: b',
          ),
        ),
        (text) => checkContract(text),
      ),
      { seed: 1102, numRuns: 300 },
    )
  })
})
