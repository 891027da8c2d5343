import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { describe, expect, it } from 'vitest'
import { ExitCode } from '../../../src/errors.ts'
import { detectRegressions } from '../../../src/nightly/regression.ts'
import { renderSuiteIndex } from '../../../src/nightly/render-suite-index.ts'
import { renderSuiteJunit } from '../../../src/nightly/render-suite-junit.ts'
import { renderSuiteSummary } from '../../../src/nightly/render-suite-summary.ts'
import { snapshotOf } from '../../../src/nightly/run-snapshot.ts'
import type { StoredReport } from '../../../src/nightly/stored-report.ts'
import {
  budgetOutcomes,
  type ScenarioOutcome,
  type SuiteResult,
  scenarioExitCode,
  worstExitCode,
} from '../../../src/nightly/suite-result.ts'
import { fabricateHistory } from '../../../src/nightly/synthetic-history.ts'
import { trendCharts } from '../../../src/nightly/trends.ts'
import { sampleReport } from '../report/sample-report.ts'

const XSS = '<img src=x onerror=alert(1)>'

function outcome(
  report: StoredReport,
  options: { history?: StoredReport[]; expected?: string[] } = {},
): ScenarioOutcome {
  const history = options.history ?? []
  const detection = detectRegressions(
    snapshotOf(report),
    history.map((r) => snapshotOf(r)),
  )
  const partial = {
    name: report.scenario.name,
    file: `scenarios/${report.scenario.name}.yaml`,
    status: 'complete' as const,
    report,
    links: { html: `${report.scenario.name}/report.html`, json: `${report.scenario.name}/report.json` },
    budgets: budgetOutcomes(report.budgets, options.expected ?? []),
    untrusted: false,
    trust: 'trusted',
    detection,
    trends: trendCharts(report, history, 30),
    appendedToHistory: true,
    notes: [],
  }
  return { ...partial, exitCode: scenarioExitCode(partial) }
}

function result(outcomes: ScenarioOutcome[], overrides: Partial<SuiteResult> = {}): SuiteResult {
  return {
    suite: { name: 'nightly', description: `A suite ${XSS}`, file: 'scenarios/nightly.suite.yaml' },
    startedAt: '2026-11-27T03:00:00.000Z',
    finishedAt: '2026-11-27T03:01:30.000Z',
    quick: false,
    dir: 'reports/nightly/2026-11-27T03-00-00Z',
    historyDir: 'reports/history',
    seededNights: 0,
    machine: 'Test CPU × 2 cores, Node 22, harness 0.1.0',
    outcomes,
    exitCode: worstExitCode(outcomes.map((o) => o.exitCode)),
    ...overrides,
  }
}

const report = sampleReport() as unknown as StoredReport
const hostile: StoredReport = {
  ...report,
  budgets: report.budgets.map((b, i) =>
    i === 0 ? { ...b, source: `rag_pipeline.p95: 2500ms ${XSS}`, pass: false } : b,
  ),
}

describe('suite junit.xml', () => {
  it('is well-formed XML with one testsuite per scenario and a testcase per budget and per regression check', () => {
    const xml = renderSuiteJunit(result([outcome(report)]))
    expect(XMLValidator.validate(xml)).toBe(true)
    const parsed = new XMLParser({
      ignoreAttributes: false,
      isArray: (name) => name === 'testsuite' || name === 'testcase',
    }).parse(xml)
    const suite = parsed.testsuites.testsuite[0]
    expect(suite['@_name']).toBe('rate-limit')
    const budgets = suite.testcase.filter(
      (c: { '@_classname': string }) => c['@_classname'] === 'rate-limit.budgets',
    )
    const checks = suite.testcase.filter(
      (c: { '@_classname': string }) => c['@_classname'] === 'rate-limit.regression',
    )
    expect(budgets).toHaveLength(report.budgets.length)
    expect(checks.length).toBeGreaterThan(0)
    // the sample report fails two budgets; with no history every regression check is skipped
    expect(Number(suite['@_failures'])).toBe(report.budgets.filter((b) => !b.pass).length)
    expect(Number(suite['@_skipped'])).toBe(checks.length)
    const failed = budgets.find((c: { failure?: unknown }) => c.failure)
    expect(failed.failure['@_message']).toMatch(/^actual .* limit /)
    expect(Number(parsed.testsuites['@_tests'])).toBe(budgets.length + checks.length)
  })

  it('escapes what came from the scenario and drops characters XML cannot carry', () => {
    const xml = renderSuiteJunit(
      result([outcome({ ...hostile, scenario: { ...hostile.scenario, name: 'rate-limit' } })]),
    )
    expect(XMLValidator.validate(xml)).toBe(true)
    expect(xml).not.toContain('<img')
    const parsed = new XMLParser({ ignoreAttributes: false }).parse(xml)
    const cases = parsed.testsuites.testsuite.testcase as { '@_name': string }[]
    expect(cases.map((c) => c['@_name'])).toContain(`rag_pipeline.p95: 2500ms ${XSS}`)
    const failed: ScenarioOutcome = { ...outcome(report), status: 'failed', error: 'bad \u0001 byte' }
    expect(XMLValidator.validate(renderSuiteJunit(result([failed])))).toBe(true)
  })
})

describe('suite summary.md', () => {
  it('has the verdict line, one table row per scenario and the failed budgets', () => {
    const md = renderSuiteSummary(result([outcome(report)]))
    expect(md.split('\n')[0]).toBe('## Nightly performance: nightly — FAIL (exit 1: a budget failed)')
    const rows = md.split('\n').filter((l) => l.startsWith('| '))
    expect(rows).toHaveLength(2)
    expect(rows[1]).toMatch(
      /^\| rate-limit \| fail \| trusted \| vector_search\.p99: no data \| insufficient history \(0 of 5 runs\) \| \[rate-limit\/report\.html\]\(rate-limit\/report\.html\) \|$/,
    )
    expect(md).toContain('### Failed budgets')
    expect(md).not.toContain('Synthetic history')
  })

  it('escapes HTML and table pipes from the scenario', () => {
    const piped = outcome({ ...hostile, scenario: { ...hostile.scenario, name: 'a|b' } })
    const md = renderSuiteSummary(result([{ ...piped, notes: [`a note ${XSS}`] }]))
    // Inside a code span markdown shows HTML as text; everywhere else it must be escaped.
    expect(md).toContain(`\`rag_pipeline.p95: 2500ms ${XSS}\``)
    expect(md.replace(/`[^`\n]*`/g, '')).not.toContain('<img')
    expect(md).toContain('&lt;img')
    expect(md).toContain('a\\|b')
  })

  it('says when the history is synthetic', () => {
    const history = fabricateHistory(report, { nights: 6, seed: 1 })
    const md = renderSuiteSummary(result([outcome(report, { history })], { seededNights: 6 }))
    expect(md).toContain('> **Synthetic history.**')
    expect(md).toContain('not measurements')
  })
})

describe('suite index.html', () => {
  const history = fabricateHistory(report, { nights: 8, seed: 2 })
  const html = renderSuiteIndex(result([outcome(hostile, { history })], { seededNights: 8 }))

  it('is self-contained: no external scripts, styles or images', () => {
    expect(html).not.toMatch(/<script[^>]+src=/)
    expect(html).not.toMatch(/<link[^>]+href=/)
    expect(html).not.toMatch(/(src|href)="https?:/)
    expect(html).toContain('uPlot')
  })

  it('escapes every string from the reports, in markup and in the chart data', () => {
    expect(html).not.toContain(XSS)
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    const data = /<script type="application\/json" id="trend-data">([\s\S]*?)<\/script>/.exec(html)![1]!
    expect(data).not.toContain('<')
  })

  it('has a row per scenario, the synthetic banner and a chart per budgeted stage with its budget lines', () => {
    expect(html).toContain('<strong>Synthetic history.</strong>')
    const data = JSON.parse(
      /<script type="application\/json" id="trend-data">([\s\S]*?)<\/script>/.exec(html)![1]!,
    )
    const stages = ['rag_pipeline', 'rag_pipeline{tenant_id=acme}', 'vector_search']
    expect(data.charts.map((c: { title: string }) => c.title)).toEqual(stages.map((s) => `rate-limit · ${s}`))
    const pipeline = data.charts[0]
    expect(pipeline.x).toHaveLength(9)
    expect(pipeline.series[0].metric).toBe('p95')
    expect(pipeline.series[0].synthetic.filter((v: number | null) => v !== null)).toHaveLength(8)
    expect(pipeline.series[0].real.filter((v: number | null) => v !== null)).toHaveLength(1)
    expect(pipeline.limits).toEqual([{ metric: 'p95', limit: 2500 }])
    expect(html.match(/<tr>\n<td><a href="#s-rate-limit">/g)).toHaveLength(1)
  })

  it('says the verdict without JavaScript', () => {
    expect(html).toContain('FAIL: exit 1, a budget failed')
    expect(result([outcome(report)]).exitCode).toBe(ExitCode.budgetFailed)
  })
})
