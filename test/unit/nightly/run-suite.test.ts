// The suite runner's bookkeeping (files, history, detection, exit codes) with a stand-in for
// runScenario, so that many nights run in milliseconds. test/integration/nightly.test.ts runs the
// real thing end to end.
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { XMLParser } from 'fast-xml-parser'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Report } from '../../../src/contract/report-types.ts'
import { ExitCode } from '../../../src/errors.ts'
import { runSuite } from '../../../src/nightly/run-suite.ts'
import type { RunOptions } from '../../../src/run/run-scenario.ts'
import { sampleReport, stageStats } from '../report/sample-report.ts'

const root = path.resolve(import.meta.dirname, '../../..')
const TWO = path.join(root, 'test/fixtures/suites/two.suite.yaml')

type Behaviour = {
  slower?: number
  untrusted?: boolean
  throws?: string
  llmP50?: number
  // steady's llm_generation.p95 interval straddles its limit; it counts as runScenario was told
  inconclusive?: boolean
  policy?: RunOptions['inconclusiveBudgets']
}

// A report like a real run of the fixture scenario: `steady` passes its budgets, `over-budget`
// fails llm_generation.p50 (10 ms) unless `llmP50` says otherwise.
function fakeReport(file: string, startedAt: string, behaviour: Behaviour): Report {
  const name = path.basename(file, '.yaml')
  const slower = behaviour.slower ?? 1
  const llmP50 = behaviour.llmP50 ?? 30
  const stages = {
    rag_pipeline: stageStats(80),
    vector_search: stageStats(10 * slower),
    llm_generation: stageStats(llmP50),
  }
  const budget = (target: keyof typeof stages, metric: 'p50' | 'p95', limit: number) => {
    const actual = stages[target][`${metric}_ms`]
    return {
      target,
      metric,
      limit,
      actual,
      unit: 'ms' as const,
      pass: actual <= limit,
      source: `${target}.${metric}: ${limit}ms`,
    }
  }
  const budgets =
    name === 'steady'
      ? [
          budget('rag_pipeline', 'p95', 500),
          budget('vector_search', 'p95', 100),
          budget('llm_generation', 'p95', 200),
        ]
      : [budget('rag_pipeline', 'p95', 500), budget('llm_generation', 'p50', 10)]
  if (behaviour.inconclusive) {
    const policy = behaviour.policy ?? 'fail'
    budgets[2] = {
      ...budgets[2]!,
      pass: policy === 'warn',
      verdict: 'inconclusive',
      note: `inconclusive: the 95% interval [40 ms, unbounded] from 120 spans straddles the limit; about 400 spans would probably decide it; ${policy === 'warn' ? 'a warning in a quick run' : 'not shown to hold, so it fails'}`,
    } as (typeof budgets)[number]
  }
  const base = sampleReport()
  const verdict = behaviour.untrusted ? 'untrusted' : budgets.every((b) => b.pass) ? 'pass' : 'fail'
  return sampleReport({
    scenario: { name, file, seed: 21, description: name },
    started_at: startedAt,
    stages,
    budgets,
    verdict,
    budget_verdict: budgets.every((b) => b.pass) ? 'pass' : 'fail',
    load: { ...base.load, rps: 40 },
    trust: { ...base.trust, verdict: behaviour.untrusted ? 'untrusted' : 'trusted' },
  })
}

let dir: string
let night: number
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'run-suite-'))
  night = 0
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function suiteNight(options: {
  behaviour?: (name: string) => Behaviour
  suiteFile?: string
  seedHistory?: number
  append?: boolean
  quick?: boolean
}) {
  night++
  const startedAt = new Date(Date.UTC(2026, 10, 1) + night * 86_400_000)
  const seen: RunOptions[] = []
  const result = await runSuite({
    suiteFile: options.suiteFile ?? TWO,
    outDir: path.join(dir, 'nightly'),
    historyDir: path.join(dir, 'history'),
    quick: options.quick ?? true,
    ...(options.seedHistory ? { seedHistory: options.seedHistory } : {}),
    ...(options.append === undefined ? {} : { append: options.append }),
    now: () => startedAt,
    run: async (file, runOptions) => {
      seen.push(runOptions)
      const behaviour = options.behaviour?.(path.basename(file, '.yaml')) ?? {}
      if (behaviour.throws) throw new Error(behaviour.throws)
      return fakeReport(file, startedAt.toISOString(), {
        ...behaviour,
        policy: runOptions.inconclusiveBudgets,
      })
    },
  })
  return { result, seen }
}

async function historyFiles(scenario: string): Promise<string[]> {
  const folder = path.join(dir, 'history', scenario)
  return existsSync(folder) ? readdir(folder) : []
}

describe('runSuite', () => {
  it('makes an inconclusive budget a warning in --quick (exit 0) and a failure in a full run (exit 1)', async () => {
    const behaviour = (name: string) => (name === 'steady' ? { inconclusive: true } : { llmP50: 5 })
    const quick = await suiteNight({ behaviour, append: false })
    expect(quick.seen.map((o) => o.inconclusiveBudgets)).toEqual(['warn', 'warn'])
    expect(quick.result.exitCode).toBe(ExitCode.ok)
    const steady = quick.result.outcomes[0]!
    expect(steady.budgets.map((b) => b.outcome)).toEqual(['pass', 'pass', 'inconclusive'])
    expect(steady.exitCode).toBe(ExitCode.ok)
    const summary = await readFile(path.join(quick.result.dir, 'summary.md'), 'utf8')
    expect(summary).toContain('pass (1 inconclusive: warning)')
    expect(summary).toContain('### Inconclusive budgets (warnings)')
    expect(summary).toContain('llm_generation.p95: 200ms')
    const index = await readFile(path.join(quick.result.dir, 'index.html'), 'utf8')
    expect(index).toContain('llm_generation.p95: 200ms: warning, inconclusive: the 95% interval')
    const junit = await readFile(path.join(quick.result.dir, 'junit.xml'), 'utf8')
    expect(junit).toContain('llm_generation.p95: 200ms (inconclusive: warning)')
    expect(junit).not.toContain('budget-inconclusive')

    const full = await suiteNight({ behaviour, append: false, quick: false })
    expect(full.seen.map((o) => o.inconclusiveBudgets)).toEqual(['fail', 'fail'])
    expect(full.result.exitCode).toBe(ExitCode.budgetFailed)
    expect(full.result.outcomes[0]!.budgets[2]).toMatchObject({ outcome: 'fail', inconclusive: true })
    const fullJunit = await readFile(path.join(full.result.dir, 'junit.xml'), 'utf8')
    expect(fullJunit).toContain('budget-inconclusive')
    expect(await readFile(path.join(full.result.dir, 'summary.md'), 'utf8')).toContain(
      'fail (1 inconclusive)',
    )
  })

  it('runs every scenario with the quick durations and writes the suite files and each scenario’s reports', async () => {
    const { result, seen } = await suiteNight({})
    expect(seen.map((o) => [o.durationMs, o.warmupMs])).toEqual([
      [2000, 1000],
      [2000, 1000],
    ])
    for (const name of ['index.html', 'summary.md', 'junit.xml', 'suite.json'])
      expect(existsSync(path.join(result.dir, name)), name).toBe(true)
    expect(existsSync(path.join(result.dir, 'steady', 'report.json'))).toBe(true)
    expect(result.outcomes.map((o) => o.links.json)).toEqual([
      'steady/report.json',
      'over-budget/report.json',
    ])
    expect(result.exitCode).toBe(ExitCode.budgetFailed)
    expect(result.outcomes.map((o) => o.detection?.status)).toEqual([
      'insufficient-history',
      'insufficient-history',
    ])
    expect(await historyFiles('steady')).toHaveLength(1)
  })

  it('detects a regression against the history and exits 5, which outranks a failed budget', async () => {
    for (let i = 0; i < 6; i++) await suiteNight({})
    const { result } = await suiteNight({ behaviour: (name) => (name === 'steady' ? { slower: 1.5 } : {}) })
    const steady = result.outcomes.find((o) => o.name === 'steady')!
    expect(steady.detection!.status).toBe('regression')
    expect(steady.detection!.findings.filter((f) => f.status === 'regression').map((f) => f.key)).toEqual([
      'vector_search p50',
      'vector_search p95',
      'vector_search p99',
    ])
    expect(result.exitCode).toBe(ExitCode.regression)
    const summary = await readFile(path.join(result.dir, 'summary.md'), 'utf8')
    expect(summary).toContain('### Regressions')
    expect(summary).toMatch(/\*\*steady\*\* `vector_search p95`: 19\.5 ms vs median 13\.0 ms of 6 runs/)
    const junit = new XMLParser({ ignoreAttributes: false }).parse(
      await readFile(path.join(result.dir, 'junit.xml'), 'utf8'),
    )
    const steadySuite = junit.testsuites.testsuite.find((s: { '@_name': string }) => s['@_name'] === 'steady')
    expect(steadySuite['@_failures']).toBe('3')
  })

  it('fabricates marked synthetic nights with --seed-history, shows them in the trends and says so', async () => {
    const { result } = await suiteNight({ seedHistory: 10 })
    const files = await historyFiles('steady')
    expect(files).toHaveLength(11)
    const stored = await Promise.all(
      files.map(async (f) => JSON.parse(await readFile(path.join(dir, 'history', 'steady', f), 'utf8'))),
    )
    expect(stored.filter((r) => r.synthetic === true)).toHaveLength(10)
    const steady = result.outcomes[0]!
    expect(steady.detection!.history).toMatchObject({ used: 10, synthetic: 10 })
    expect(steady.detection!.status).toBe('unchanged')
    expect(steady.trends.map((t) => t.stage)).toEqual(['rag_pipeline', 'vector_search', 'llm_generation'])
    expect(steady.trends[1]!.series[0]!.points).toHaveLength(11)
    expect(steady.trends[1]!.series[0]!.points.filter((p) => p.synthetic)).toHaveLength(10)
    expect(steady.trends[1]!.limits).toEqual([
      { metric: 'p95', limit: 100, source: 'vector_search.p95: 100ms' },
    ])
    expect(await readFile(path.join(result.dir, 'summary.md'), 'utf8')).toContain('**Synthetic history.**')
    expect(await readFile(path.join(result.dir, 'index.html'), 'utf8')).toContain(
      '<strong>Synthetic history.</strong>',
    )
  })

  it('marks an untrusted run (exit 3) and keeps it out of the history', async () => {
    const { result } = await suiteNight({
      behaviour: (name) => (name === 'steady' ? { untrusted: true } : {}),
    })
    expect(result.exitCode).toBe(ExitCode.untrusted)
    expect(result.outcomes[0]).toMatchObject({
      untrusted: true,
      trust: 'untrusted',
      appendedToHistory: false,
    })
    expect(await historyFiles('steady')).toHaveLength(0)
    expect(await historyFiles('over-budget')).toHaveLength(1)
  })

  it('records a scenario that fails to run (exit 4) and goes on with the next', async () => {
    const { result } = await suiteNight({
      behaviour: (name) => (name === 'steady' ? { throws: 'the endpoint exited' } : {}),
    })
    expect(result.exitCode).toBe(ExitCode.runFailed)
    expect(result.outcomes.map((o) => o.status)).toEqual(['failed', 'complete'])
    expect(result.outcomes[0]!.error).toBe('Failed to run steady: the endpoint exited')
    const junit = await readFile(path.join(result.dir, 'junit.xml'), 'utf8')
    expect(junit).toContain('<error message="Failed to run steady: the endpoint exited" type="run-failed">')
  })

  it('does not append with append: false (pull-request checks)', async () => {
    await suiteNight({ append: false })
    expect(await historyFiles('steady')).toHaveLength(0)
  })

  it('treats expected failures as expected, and an expected failure that passes as a failure', async () => {
    const suiteFile = path.join(dir, 'expect.suite.yaml')
    await writeFile(
      suiteFile,
      [
        'name: expect',
        'scenarios:',
        `  - ${path.join(root, 'test/fixtures/suites/steady.yaml')}`,
        `  - { scenario: ${path.join(root, 'test/fixtures/suites/over-budget.yaml')}, expected_failures: [llm_generation.p50] }`,
      ].join('\n'),
    )
    const expected = await suiteNight({ suiteFile })
    expect(expected.result.exitCode).toBe(ExitCode.ok)
    expect(expected.result.outcomes[1]!.budgets.map((b) => b.outcome)).toEqual(['pass', 'expected-fail'])
    const fixed = await suiteNight({ suiteFile, behaviour: () => ({ llmP50: 5 }) })
    expect(fixed.result.exitCode).toBe(ExitCode.budgetFailed)
    expect(fixed.result.outcomes[1]!.budgets.map((b) => b.outcome)).toEqual(['pass', 'unexpected-pass'])
  })
})
