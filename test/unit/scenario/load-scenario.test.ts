import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { UsageError, ValidationError } from '../../../src/errors.ts'
import {
  listScenarios,
  loadScenario,
  parseScenarioText,
  resolveScenarioPath,
  scenarioFromObject,
} from '../../../src/scenario/load-scenario.ts'

const FIXTURES = fileURLToPath(new URL('../../fixtures/scenarios/', import.meta.url))

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run()
  } catch (error) {
    if (error instanceof ValidationError) return error.problems
    throw error
  }
  throw new Error('expected a ValidationError, but the scenario was accepted')
}

function problemsOfFixture(relative: string): readonly string[] {
  const text = readFileSync(path.join(FIXTURES, relative), 'utf8')
  return problemsOf(() => parseScenarioText(text, relative))
}

// Each bad fixture with the exact lines it must produce, in order.
const BAD_FIXTURES: [string, string[]][] = [
  ['bad/typo-key.yaml', ['bad/typo-key.yaml:3:1: laod: unknown key "laod"; did you mean "load"?']],
  [
    'bad/wrong-type.yaml',
    [
      'bad/wrong-type.yaml:3:3: load.connections: expected a connection count (a positive integer), got "many"',
      'bad/wrong-type.yaml:4:3: load.duration: expected a duration like 250ms, 1.5s or 10m, got 10',
      'bad/wrong-type.yaml:6:66: requests.0.rerank: expected true or false, got "no"',
    ],
  ],
  [
    'bad/p99-below-p50.yaml',
    ['bad/p99-below-p50.yaml:6:41: dependencies.embedding.latency.lognormal.p99: expected p99 ≥ p50'],
  ],
  [
    'bad/negative-duration.yaml',
    ['bad/negative-duration.yaml:4:3: load.duration: expected a duration like 250ms, 1.5s or 10m, got "-5s"'],
  ],
  [
    'bad/bad-budget-key.yaml',
    [
      'bad/bad-budget-key.yaml:5:3: budgets.rag_pipeline{tenant_id}: expected attribute=value inside the braces, got "tenant_id"',
      'bad/bad-budget-key.yaml:6:19: budgets.rag_pipeline.p96: expected one of p50, p90, p95, p99, p999, max, mean, error_rate',
    ],
  ],
  [
    'bad/unknown-stage.yaml',
    [
      'bad/unknown-stage.yaml:6:3: budgets.llm_generaton: unknown stage "llm_generaton"; did you mean "llm_generation"?',
    ],
  ],
  [
    'bad/unknown-latency-model.yaml',
    [
      'bad/unknown-latency-model.yaml:6:16: dependencies.vector_store.latency.gaussian: unknown key "gaussian"; expected one of fixed, uniform, normal, lognormal, tokens',
      'bad/unknown-latency-model.yaml:8:16: dependencies.reranker.latency.log_normal: unknown key "log_normal"; did you mean "lognormal"?',
    ],
  ],
  [
    'bad/probability-above-one.yaml',
    [
      'bad/probability-above-one.yaml:6:5: dependencies.llm.failures: expected failure probabilities that sum to at most 1, got 1.5',
      'bad/probability-above-one.yaml:7:24: dependencies.llm.failures.0.probability: expected a probability between 0 and 1, got 1.5',
    ],
  ],
  [
    'bad/empty.yaml',
    ['bad/empty.yaml:1:1: the file is empty; expected a scenario with at least name and requests'],
  ],
  [
    'bad/not-yaml.yaml',
    [
      'bad/not-yaml.yaml:4:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
      'bad/not-yaml.yaml:4:1: invalid YAML: Flow map must end with a }',
    ],
  ],
  [
    'bad/missing-requests.yaml',
    ['bad/missing-requests.yaml:1:1: requests: missing required key (expected a list)'],
  ],
  [
    'bad/question-and-questions.yaml',
    ['bad/question-and-questions.yaml:3:5: requests.0: expected either question or questions'],
  ],
  [
    'bad/unknown-enum.yaml',
    [
      'bad/unknown-enum.yaml:3:64: requests.0.questions.distribution: expected one of uniform, zipf, unique, got "zipfian"',
      'bad/unknown-enum.yaml:5:3: tracing.sampler: expected always_on, always_off, { ratio: 0.1 } or { parent_ratio: 0.1 }, got "sometimes"',
    ],
  ],
  [
    'bad/three-mistakes.yaml',
    [
      'bad/three-mistakes.yaml:3:3: load.conections: unknown key "conections"; did you mean "connections"?',
      'bad/three-mistakes.yaml:6:66: requests.0.weight: expected a weight (a positive number), got -1',
      'bad/three-mistakes.yaml:8:21: dependencies.llm.latency.fixed: expected a duration like 250ms, 1.5s or 10m, got "fast"',
    ],
  ],
]

describe('parseScenarioText on bad files', () => {
  it.each(BAD_FIXTURES)('%s', (fixture, expected) => {
    expect(problemsOfFixture(fixture)).toEqual(expected)
  })

  it('covers every file in the bad fixture folder', async () => {
    const { readdirSync } = await import('node:fs')
    const files = readdirSync(path.join(FIXTURES, 'bad')).map((name) => `bad/${name}`)
    expect(files.sort()).toEqual(BAD_FIXTURES.map(([fixture]) => fixture).sort())
  })

  it('reports every problem of a file at once, in one error that names the file', () => {
    const text = readFileSync(path.join(FIXTURES, 'bad/three-mistakes.yaml'), 'utf8')
    let caught: unknown
    try {
      parseScenarioText(text, 'bad/three-mistakes.yaml')
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ValidationError)
    const error = caught as ValidationError
    expect(error.problems).toHaveLength(3)
    expect(error.file).toBe('bad/three-mistakes.yaml')
    expect(error.exitCode).toBe(2)
    expect(error.message.split('\n')[0]).toBe('Failed to load bad/three-mistakes.yaml: 3 problems.')
  })

  it('sorts problems by line, whatever order the schema checks them in', () => {
    const text = [
      'budgets:',
      '  rag_pipeline: { p95: soon }',
      'requests:',
      '  - { tenant: acme, api_key: k, question: q }',
      'name: Not Kebab',
    ].join('\n')
    const lines = problemsOf(() => parseScenarioText(text, 'x.yaml')).map((line) => line.split(':')[1])
    expect(lines).toEqual(['2', '5'])
  })

  it('drops the echoes of a misspelt key: the missing key and the unmet one-of rule', () => {
    const text = [
      'name: echo',
      'requests:',
      '  - { tenant: acme, apikey: k, qeustion: q }',
      'dependencies:',
      '  llm: { latency: { lognormall: { p50: 1s, p99: 2s } } }',
    ].join('\n')
    expect(problemsOf(() => parseScenarioText(text, 'x.yaml'))).toEqual([
      'x.yaml:3:21: requests.0.apikey: unknown key "apikey"; did you mean "api_key"?',
      'x.yaml:3:32: requests.0.qeustion: unknown key "qeustion"; did you mean "question"?',
      'x.yaml:5:21: dependencies.llm.latency.lognormall: unknown key "lognormall"; did you mean "lognormal"?',
    ])
  })

  it('suggests keys inside free-form maps (tenants) from their value schema', () => {
    const text = [
      'name: t',
      'requests: [{ tenant: acme, api_key: k, question: q }]',
      'tenants:',
      '  acme: { ratelimit: { rps: 5, burst: 5 } }',
    ].join('\n')
    expect(problemsOf(() => parseScenarioText(text, 'x.yaml'))).toEqual([
      'x.yaml:4:11: tenants.acme.ratelimit: unknown key "ratelimit"; did you mean "rate_limit"?',
    ])
  })

  it('treats a file of only comments as empty, and a document that is not a mapping as wrong', () => {
    expect(problemsOf(() => parseScenarioText('# nothing here\n', 'c.yaml'))).toEqual([
      'c.yaml:1:1: the file is empty; expected a scenario with at least name and requests',
    ])
    expect(problemsOf(() => parseScenarioText('- a\n- b\n', 'l.yaml'))).toEqual([
      'l.yaml:1:1: (top level): expected a mapping, got a list of 2 items',
    ])
  })

  it('rejects duplicate keys instead of keeping the last one', () => {
    const text = 'name: a\nname: b\nrequests: [{ tenant: acme, api_key: k, question: q }]\n'
    expect(problemsOf(() => parseScenarioText(text, 'd.yaml'))).toEqual([
      'd.yaml:2:1: duplicate key "name": a key may appear only once in a mapping',
    ])
  })
})

describe('parseScenarioText on good files', () => {
  it('applies the defaults and converts units', () => {
    const text = readFileSync(path.join(FIXTURES, 'good/fixed-latency.yaml'), 'utf8')
    const scenario = parseScenarioText(text, 'good/fixed-latency.yaml')
    expect(scenario.name).toBe('fixed-latency')
    expect(scenario.load).toEqual({
      connections: 4,
      arrival: undefined,
      durationMs: 5000,
      warmupMs: 1000,
      requestTimeoutMs: 30_000,
    })
    expect(scenario.dependencies.llm.latency).toEqual({ kind: 'fixed', ms: 30 })
    expect(scenario.dependencies.embedding.dimensions).toBe(256)
    expect(scenario.dependencies.llm.failures).toEqual([])
    expect(scenario.pipeline.deadlineMs).toBe(8000)
    expect(scenario.pipeline.rerankMinResults).toBe(3)
    expect(scenario.tracing.sampler).toEqual({ kind: 'always_on' })
    expect(scenario.requests[0]).toMatchObject({
      tenant: 'acme',
      apiKey: 'key-acme',
      weight: 1,
      questions: { pool: 100_000, distribution: 'unique', zipfExponent: 1 },
    })
    const llm = scenario.budgets.filter((budget) => budget.target === 'llm_generation')
    expect(llm.map((budget) => [budget.metric, budget.limit])).toEqual([
      ['p50', 150],
      ['p95', 200],
      ['error_rate', 0],
    ])
  })

  it('parses the failing twin with the one budget it is built to fail', () => {
    const text = readFileSync(path.join(FIXTURES, 'good/fixed-latency-fail.yaml'), 'utf8')
    const scenario = parseScenarioText(text, 'good/fixed-latency-fail.yaml')
    const llm = scenario.budgets.filter((budget) => budget.target === 'llm_generation')
    expect(llm.map((budget) => [budget.metric, budget.limit])).toEqual([['p50', 10]])
    expect(scenario.dependencies.llm.latency).toEqual({ kind: 'fixed', ms: 30 })
  })
})

describe('scenarioFromObject', () => {
  it('accepts the same input as a file', () => {
    const scenario = scenarioFromObject({
      name: 'inline',
      requests: [{ tenant: 'acme', api_key: 'k', question: 'q' }],
    })
    expect(scenario.load.connections).toBe(10)
  })

  it('reports with the label and key paths, without line numbers', () => {
    expect(
      problemsOf(() =>
        scenarioFromObject({ name: 'inline', laod: {}, requests: [{ tenant: 'acme' }] }, 'my-test'),
      ),
    ).toEqual([
      'my-test: laod: unknown key "laod"; did you mean "load"?',
      'my-test: requests.0.api_key: missing required key (expected a string)',
    ])
  })

  it('rejects a value that is not an object', () => {
    expect(problemsOf(() => scenarioFromObject(null))).toEqual([
      '<object>: (top level): expected a mapping, got null',
    ])
  })
})

describe('resolveScenarioPath, loadScenario and listScenarios', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'scenarios-'))
  writeFileSync(path.join(dir, 'rate-limit.yaml'), 'name: rate-limit\ndescription: >\n  Two\n  lines.\n')
  writeFileSync(path.join(dir, 'broken.yaml'), 'name: [\n')
  writeFileSync(path.join(dir, 'nightly.suite.yaml'), 'scenarios: [rate-limit]\n')
  mkdirSync(path.join(dir, 'folder.yaml'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('resolves a bare name inside the scenarios folder and a path as given', () => {
    expect(resolveScenarioPath('rate-limit', dir)).toBe(path.join(dir, 'rate-limit.yaml'))
    const fixture = path.join(FIXTURES, 'good/fixed-latency.yaml')
    expect(resolveScenarioPath(path.relative(process.cwd(), fixture), dir)).toBe(fixture)
  })

  it('says how to find the scenarios when a name does not resolve, and suggests a near one', () => {
    const shown = path.relative(process.cwd(), path.join(dir, 'rate-limt.yaml'))
    const display = shown.startsWith('..') ? path.join(dir, 'rate-limt.yaml') : shown
    expect(() => resolveScenarioPath('rate-limt', dir)).toThrow(
      new UsageError(
        `Failed to find scenario "rate-limt": no file ${display}. Did you mean "rate-limit"? ` +
          'Run `npm run scenario -- --list` to see the scenarios.',
      ),
    )
    expect(() => resolveScenarioPath('zzz', dir)).toThrow(
      /^Failed to find scenario "zzz": no file .*zzz\.yaml\. Run `npm run scenario -- --list` to see the scenarios\.$/,
    )
  })

  it('resolves a bare name against the repository scenarios folder by default', () => {
    expect(() => resolveScenarioPath('no-such-scenario')).toThrow(
      'Failed to find scenario "no-such-scenario": no file scenarios/no-such-scenario.yaml.',
    )
  })

  it('names a missing or unreadable path', () => {
    expect(() => resolveScenarioPath('nowhere/x.yaml', dir)).toThrow(UsageError)
    expect(() => resolveScenarioPath('nowhere/x.yaml', dir)).toThrow(
      'Failed to find scenario file nowhere/x.yaml: no such file.',
    )
    expect(() => loadScenario(path.join(dir, 'folder.yaml'))).toThrow(
      /^Failed to read scenario file .*folder\.yaml/,
    )
  })

  it('loads a file: the scenario, its absolute path and its text', () => {
    const fixture = path.join(FIXTURES, 'good/fixed-latency.yaml')
    const loaded = loadScenario(fixture)
    expect(loaded.file).toBe(fixture)
    expect(loaded.text).toBe(readFileSync(fixture, 'utf8'))
    expect(loaded.scenario.name).toBe('fixed-latency')
  })

  it('names a bad file by its path relative to the working directory', () => {
    const problems = problemsOf(() => loadScenario(path.join(FIXTURES, 'bad/typo-key.yaml')))
    expect(problems).toEqual([
      'test/fixtures/scenarios/bad/typo-key.yaml:3:1: laod: unknown key "laod"; did you mean "load"?',
    ])
  })

  it('lists the scenarios with one-line descriptions, skipping suites and surviving broken files', () => {
    expect(listScenarios(dir)).toEqual([
      { name: 'broken', description: '', file: path.join(dir, 'broken.yaml') },
      { name: 'rate-limit', description: 'Two lines.', file: path.join(dir, 'rate-limit.yaml') },
    ])
  })
})
