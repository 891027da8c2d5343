import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { describe, expect, it } from 'vitest'
import type { Report } from '../../../src/contract/report-types.ts'
import { renderJunit } from '../../../src/report/render-junit.ts'
import { inconclusiveReport, sampleReport } from './sample-report.ts'

type Failure = { '@_message': string; '@_type': string; '#text': string }
type TestCase = { '@_classname': string; '@_name': string; failure?: Failure; 'system-out'?: string }
type Suite = { '@_name': string; '@_tests': string; '@_failures': string; testcase?: TestCase[] }

function parse(xml: string): { suites: Record<string, string>; suite: Suite } {
  expect(XMLValidator.validate(xml)).toBe(true)
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    isArray: (name) => name === 'testcase' || name === 'testsuite',
  })
  const doc = parser.parse(xml)
  const suites = doc.testsuites
  expect(suites.testsuite).toHaveLength(1)
  return { suites, suite: suites.testsuite[0] }
}

describe('renderJunit', () => {
  const report = sampleReport()

  it('has one test case per budget and per trust guard, with correct counts', () => {
    const { suites, suite } = parse(renderJunit(report))
    const cases = suite.testcase ?? []
    expect(cases).toHaveLength(report.budgets.length + report.trust.guards.length)
    const failures = cases.filter((c) => c.failure !== undefined)
    expect(failures).toHaveLength(report.budgets.filter((b) => !b.pass).length)
    expect(suite['@_tests']).toBe(String(cases.length))
    expect(suite['@_failures']).toBe(String(failures.length))
    expect(suites['@_tests']).toBe(String(cases.length))
    expect(suites['@_failures']).toBe(String(failures.length))
    expect(suite['@_name']).toBe('rate-limit')
  })

  it('names budget cases "<target> <metric>" under the scenario, with limit and actual in a failure', () => {
    const { suite } = parse(renderJunit(report))
    const failing = suite.testcase!.find((c) => c['@_name'] === 'rag_pipeline{tenant_id=acme} error_rate')!
    expect(failing['@_classname']).toBe('rate-limit')
    expect(failing.failure!['@_message']).toBe('actual 1.50% exceeds limit 1.00%')
    expect(failing.failure!['#text']).toContain('limit: ≤ 1.00%')
    expect(failing.failure!['#text']).toContain('actual: 1.50%')
    const noData = suite.testcase!.find((c) => c['@_name'] === 'vector_search p99')!
    expect(noData.failure!['@_message']).toMatch(/^no data for vector_search/)
    const passing = suite.testcase!.find((c) => c['@_name'] === 'throughput min_rps')!
    expect(passing.failure).toBeUndefined()
  })

  it('fails a trust guard case when the guard failed', () => {
    const untrusted: Report = {
      ...report,
      verdict: 'untrusted',
      trust: {
        ...report.trust,
        verdict: 'untrusted',
        guards: report.trust.guards.map((g) => ({ ...g, figure: 78, pass: false })),
      },
    }
    const { suite } = parse(renderJunit(untrusted))
    const guard = suite.testcase!.find((c) => c['@_name'] === 'trust endpoint event-loop delay p99')!
    expect(guard['@_classname']).toBe('rate-limit.trust')
    expect(guard.failure!['@_message']).toBe(
      'endpoint event-loop delay p99 78.0 ms is outside the threshold ≤ 10.0 ms',
    )
  })

  it('escapes markup from budgets and scenario names, and drops XML-invalid characters', () => {
    const target = '<img src=x onerror=alert(1)>"&\u0001'
    const xml = renderJunit({
      ...report,
      budgets: [{ ...report.budgets[1]!, target, pass: false }],
    })
    expect(xml).not.toContain('<img')
    const { suite } = parse(xml)
    expect(suite.testcase![0]!['@_name']).toBe('<img src=x onerror=alert(1)>"& error_rate')
  })

  it('counts zero tests for a scenario without budgets or trust guards', () => {
    const bare: Report = { ...report, budgets: [], trust: { ...report.trust, guards: [] } }
    const { suites } = parse(renderJunit(bare))
    expect(suites['@_tests']).toBe('0')
    expect(suites['@_failures']).toBe('0')
  })
})

describe('renderJunit: an inconclusive budget', () => {
  const caseOf = (report: Report) =>
    parse(renderJunit(report)).suite.testcase!.find((c) => c['@_name'] === 'llm_generation p99')!

  it('fails as BudgetInconclusive in a full run, with the interval and the run that would decide it', () => {
    const failure = caseOf(inconclusiveReport('fail')).failure!
    expect(failure['@_type']).toBe('BudgetInconclusive')
    expect(failure['@_message']).toBe(
      'inconclusive: n=120 · 95% CI [780 ms, unbounded] straddles limit 900 ms (actual 850 ms)',
    )
    expect(failure['#text']).toContain('about 368 spans would probably decide it')
  })

  it('passes with the warning in system-out in a quick run', () => {
    const testcase = caseOf(inconclusiveReport('warn'))
    expect(testcase.failure).toBeUndefined()
    expect(testcase['system-out']).toMatch(/^INCONCLUSIVE \(warning\): inconclusive: n=120/)
  })
})
