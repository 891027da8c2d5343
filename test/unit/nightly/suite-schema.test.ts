import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ValidationError } from '../../../src/errors.ts'
import { loadSuite, parseSuiteText } from '../../../src/nightly/load-suite.ts'

const root = path.resolve(import.meta.dirname, '../../..')

function problemsOf(fn: () => unknown): string[] {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    return [...(error as ValidationError).problems]
  }
  throw new Error('expected a ValidationError')
}

describe('suite schema', () => {
  it('reads a minimal suite with every default', () => {
    const suite = parseSuiteText('name: mini\nscenarios: [baseline]\n', 'mini.suite.yaml')
    expect(suite).toEqual({
      name: 'mini',
      description: '',
      defaults: {},
      quick: { durationMs: 3000, warmupMs: 1000 },
      history: { window: 20, minRuns: 5, trendNights: 30 },
      regression: { relativeFloor: 0.05, k: 3 },
      scenarios: [{ scenario: 'baseline', overrides: {}, expectedFailures: [] }],
    })
  })

  it('reads overrides with units and samplers', () => {
    const suite = parseSuiteText(
      [
        'name: x',
        'defaults: { duration: 20s }',
        'regression: { relative_floor: 0.1 }',
        'scenarios:',
        '  - { scenario: rate-limit, warmup: 500ms, connections: 8, seed: 3, sampler: { ratio: 0.5 } }',
      ].join('\n'),
      'x.suite.yaml',
    )
    expect(suite.defaults).toEqual({ durationMs: 20_000 })
    expect(suite.regression.relativeFloor).toBe(0.1)
    expect(suite.scenarios[0]!.overrides).toEqual({
      warmupMs: 500,
      connections: 8,
      seed: 3,
      sampler: { kind: 'ratio', ratio: 0.5 },
    })
  })

  it.each([
    {
      name: 'a misspelt top-level key',
      text: 'name: x\nqiuck: { duration: 3s }\nscenarios: [baseline]\n',
      problem: 'x.suite.yaml:2:1: qiuck: unknown key "qiuck"; did you mean "quick"?',
    },
    {
      name: 'a misspelt key in an entry',
      text: 'name: x\nscenarios:\n  - { scenario: baseline, duraton: 3s }\n',
      problem: 'x.suite.yaml:3:27: scenarios.0.duraton: unknown key "duraton"; did you mean "duration"?',
    },
    {
      name: 'a bad duration',
      text: 'name: x\nquick: { duration: soon }\nscenarios: [baseline]\n',
      problem: 'x.suite.yaml:2:10: quick.duration: expected a duration like 250ms, 1.5s or 10m, got "soon"',
    },
    {
      name: 'min_runs above window',
      text: 'name: x\nhistory: { window: 3, min_runs: 5 }\nscenarios: [baseline]\n',
      problem: 'x.suite.yaml:2:23: history.min_runs: expected min_runs ≤ window',
    },
    {
      name: 'a relative floor given as a whole number',
      text: 'name: x\nregression: { relative_floor: 5 }\nscenarios: [baseline]\n',
      problem: 'x.suite.yaml:2:15: regression.relative_floor: expected a share like 5% or 0.05, got 5',
    },
    {
      name: 'a scenario that is neither a name nor a mapping',
      text: 'name: x\nscenarios:\n  - 7\n',
      problem:
        'x.suite.yaml:3:5: scenarios.0: expected a scenario name, or a mapping with at least `scenario`, got 7',
    },
    {
      name: 'no scenarios',
      text: 'name: x\n',
      problem: 'x.suite.yaml:1:1: scenarios: missing required key (expected a list of scenarios)',
    },
    {
      name: 'an empty list of scenarios',
      text: 'name: x\nscenarios: []\n',
      problem: 'x.suite.yaml:2:1: scenarios: expected at least one scenario',
    },
    {
      name: 'broken YAML',
      text: 'name: x\nscenarios: [baseline\n',
      problem: 'x.suite.yaml:3:1: invalid YAML',
    },
  ])('reports $name with its line and column', ({ text, problem }) => {
    const problems = problemsOf(() => parseSuiteText(text, 'x.suite.yaml'))
    expect(problems.join('\n')).toContain(problem)
  })

  it('reports every problem of a file at once', () => {
    const problems = problemsOf(() =>
      parseSuiteText(
        'name: Bad Name\nquik: {}\nscenarios:\n  - { scenario: a, connections: 0 }\n',
        'x.suite.yaml',
      ),
    )
    expect(problems).toHaveLength(3)
  })
})

describe('loadSuite', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'suite-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('loads the shipped nightly suite: seven scenarios, slow-vector-store expected to fail vector_search.p99, headroom gating on capacity', () => {
    const { entries } = loadSuite(path.join(root, 'scenarios/nightly.suite.yaml'))
    expect(entries.map((e) => e.name)).toEqual([
      'baseline',
      'rate-limit',
      'slow-vector-store',
      'cold-cache',
      'llm-timeout',
      'streaming-chat',
      'headroom',
    ])
    expect(entries.find((e) => e.name === 'slow-vector-store')!.expectedFailures).toEqual([
      'vector_search.p99',
    ])
    expect(entries.find((e) => e.name === 'headroom')!.scenario.budgets).toContainEqual(
      expect.objectContaining({ target: 'capacity', metric: 'min_rps', limit: 50 }),
    )
  })

  it('resolves bare names in the suite’s folder (the two-scenario fixture)', () => {
    const { entries, suite } = loadSuite(path.join(root, 'test/fixtures/suites/two.suite.yaml'))
    expect(entries.map((e) => [e.name, path.basename(e.file)])).toEqual([
      ['steady', 'steady.yaml'],
      ['over-budget', 'over-budget.yaml'],
    ])
    expect(suite.quick).toEqual({ durationMs: 2000, warmupMs: 1000 })
  })

  it('reports unknown scenarios, misspelt expected failures and duplicates with suite line numbers', async () => {
    const file = path.join(dir, 'bad.suite.yaml')
    const scenarios = path.join(root, 'scenarios')
    await writeFile(
      file,
      [
        'name: bad',
        'scenarios:',
        `  - ${scenarios}/baseline.yaml`,
        '  - basline',
        `  - { scenario: ${scenarios}/slow-vector-store.yaml, expected_failures: [vector_serch.p99] }`,
        `  - ${scenarios}/baseline.yaml`,
      ].join('\n'),
    )
    const problems = problemsOf(() => loadSuite(file))
    expect(problems).toHaveLength(3)
    expect(problems[0]).toMatch(/:4:5: scenarios\.1\.scenario: Failed to find scenario "basline"/)
    expect(problems[1]).toMatch(
      /:5:\d+: scenarios\.2\.expected_failures\.0: scenario slow-vector-store has no budget vector_serch\.p99; did you mean "vector_search\.p99"\?/,
    )
    expect(problems[2]).toMatch(/:6:5: scenarios\.3: scenario baseline is already listed as scenarios\.0/)
  })

  it('passes on the scenario file’s own problems with that file’s line numbers', async () => {
    const file = path.join(dir, 'broken-scenario.suite.yaml')
    await writeFile(
      file,
      `name: x\nscenarios: [${path.join(root, 'test/fixtures/scenarios/bad/typo-key.yaml')}]\n`,
    )
    expect(() => loadSuite(file)).toThrow(/typo-key\.yaml:\d+:\d+/)
  })
})
