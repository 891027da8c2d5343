// Issue 11 items 2 and 3: every number and duration a scenario sets is bounded by the schema, so
// none can overflow a timer, crash the run or break the endpoint; the message names the bound.
import { describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { ValidationError } from '../../../src/errors.ts'
import { applyOverrides, parseOverrideFlags } from '../../../src/run/overrides.ts'
import { parseScenarioText, scenarioFromObject } from '../../../src/scenario/load-scenario.ts'
import { LIMITS } from '../../../src/scenario/schema.ts'

const BASE = {
  name: 'bounds',
  load: { connections: 2, duration: '2s' },
  requests: [{ tenant: 'acme', api_key: 'key-acme', questions: { pool: 10 } }],
}

// biome-ignore lint/suspicious/noExplicitAny: a scenario document, patched freely to break it
type Doc = Record<string, any>

function withPatch(patch: (doc: Doc) => void): string {
  const doc = structuredClone(BASE) as Doc
  patch(doc)
  return stringify(doc)
}

function problems(text: string): string[] {
  try {
    parseScenarioText(text, 'x.yaml')
  } catch (error) {
    if (error instanceof ValidationError) return [...error.problems]
    throw error
  }
  return []
}

// [what, patch, a fragment of the expected message]
const REFUSED: [string, (d: Doc) => void, RegExp][] = [
  ['duration: 1000h (timer overflow)', (d) => (d.load.duration = '1000h'), /load\.duration: .*at most 24h/],
  ['duration: 0s', (d) => (d.load.duration = '0s'), /load\.duration: expected a duration above 0/],
  [
    'a zero-length stage',
    (d) => {
      delete d.load.connections
      d.load.arrival = { stages: [{ rate: 10, duration: '0s' }] }
    },
    /load\.arrival\.stages\.0\.duration: expected a duration above 0/,
  ],
  [
    'stages that send nothing',
    (d) => {
      delete d.load.connections
      d.load.arrival = { stages: [{ rate: 0, duration: '2s' }] }
    },
    /load\.arrival\.stages: expected at least one stage with a rate above 0/,
  ],
  ['pipeline.timeout: 0ms', (d) => (d.pipeline = { timeout: '0ms' }), /pipeline\.timeout: .*above 0/],
  ['timeouts.auth: 1000h', (d) => (d.pipeline = { timeouts: { auth: '1000h' } }), /at most 10m/],
  ['request_timeout: 1000h', (d) => (d.load.request_timeout = '1000h'), /at most 10m/],
  ['a latency of 1000h', (d) => (d.dependencies = { llm: { latency: { fixed: '1000h' } } }), /at most 10m/],
  ['cache.capacity: 1e10', (d) => (d.pipeline = { cache: { capacity: 1e10 } }), /at most 1000000/],
  ['questions.pool: 1e10', (d) => (d.requests[0].questions.pool = 1e10), /pool size of at most 1000000/],
  ['k: 101 (the endpoint refuses it)', (d) => (d.requests[0].k = 101), /k: .*at most 100/],
  ['default_k: 101', (d) => (d.pipeline = { default_k: 101 }), /at most 100/],
  [
    'retries.llm.max: 1e9',
    (d) => (d.pipeline = { retries: { llm: { max: 1e9, backoff: '0ms' } } }),
    /retries\.llm\.max: expected a retry count \(an integer from 0 to 10\)/,
  ],
  ['connections: 1e9', (d) => (d.load.connections = 1e9), /at most 10000/],
  ['weight: 1e308', (d) => (d.requests[0].weight = 1e308), /weight of at most 1000000/],
  ['seed: 1.5', (d) => (d.seed = 1.5), /seed: expected a seed/],
  ['seed: -1', (d) => (d.seed = -1), /seed: expected a seed/],
]

describe('scenario bounds', () => {
  it.each(REFUSED)('refuses %s, naming the key and the bound', (_what, patch, expected) => {
    const found = problems(withPatch(patch))
    expect(found.join('\n')).toMatch(expected)
    expect(found.every((line) => /^x\.yaml:\d+:\d+: /.test(line))).toBe(true)
  })

  it('accepts the largest values within the bounds, and every timer stays below 2^31-1 ms', () => {
    const scenario = parseScenarioText(
      withPatch((d) => {
        d.load.duration = '24h'
        d.load.warmup = '24h'
        d.load.connections = LIMITS.connections
        d.load.request_timeout = '10m'
        d.pipeline = { timeout: '10m', timeouts: { llm: '10m' }, cache: { capacity: LIMITS.cacheCapacity } }
        d.requests[0].questions.pool = LIMITS.questionPool
        d.requests[0].k = LIMITS.k
      }),
      'x.yaml',
    )
    expect(scenario.load.durationMs).toBe(24 * 3_600_000)
    expect(scenario.load.durationMs + scenario.load.warmupMs).toBeLessThan(2 ** 31 - 1)
  })
})

describe('run overrides go through the same schema', () => {
  const scenario = scenarioFromObject(BASE)
  it.each([
    [{ connections: '0' }, /--connections: expected a connection count \(a positive integer\), got 0/],
    [{ connections: 'abc' }, /--connections: .*got "abc"/],
    [{ connections: '1e9' }, /--connections: expected a connection count of at most 10000/],
    [{ seed: '1.5' }, /--seed: expected a seed/],
    [{ duration: '0s' }, /--duration: expected a duration above 0/],
    [{ duration: '1000h' }, /--duration: .*at most 24h/],
    [{ warmup: 'soon' }, /--warmup: expected a duration like/],
  ])('refuses %o with exit 2 and the flag named', (flags, expected) => {
    let error: unknown
    try {
      parseOverrideFlags(flags)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).exitCode).toBe(2)
    expect((error as ValidationError).message).toMatch(expected)
  })

  it('reports every bad flag at once', () => {
    expect(() => parseOverrideFlags({ connections: '0', seed: 'x', duration: '0s' })).toThrow(/3 problems/)
  })

  it('checks the programmatic API the same way', () => {
    expect(() => applyOverrides(scenario, { durationMs: 0 })).toThrow(/--duration: .*above 0/)
    expect(() => applyOverrides(scenario, { connections: Number.NaN })).toThrow(/--connections/)
    expect(applyOverrides(scenario, { durationMs: 1500, seed: 3 }).applied).toEqual({
      'load.duration': '1500ms',
      seed: '3',
    })
  })
})
