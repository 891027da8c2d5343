// junit.xml: one test case per budget and per trust guard, so CI test reporters (GitHub, GitLab,
// Jenkins) list budget failures with their limit and actual value. The common JUnit XML
// dialect (testsuites › testsuite › testcase › failure), as read by the Jenkins JUnit plugin
// and dorny/test-reporter. Built with fast-xml-parser's XMLBuilder, which escapes text and
// attribute values.
import { XMLBuilder } from 'fast-xml-parser'
import type { Report } from '../contract/report-types.ts'
import { redactReport } from './redact-secrets.ts'
import {
  budgetEvidenceText,
  budgetFailureMessage,
  budgetLimitText,
  budgetStatus,
  formatBudgetValue,
  formatScalar,
  guardText,
  overallVerdict,
  thresholdText,
  trustLine,
} from './report-figures.ts'
import { streamProperties } from './stream-lines.ts'

// XML 1.0 forbids most control characters even as entities.
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g

function xmlText(text: string): string {
  return text.replace(XML_INVALID, '')
}

type TestCase = Record<string, unknown>

export function renderJunit(input: Report): string {
  const report = redactReport(input)
  const suiteName = xmlText(report.scenario.name)
  const cases: TestCase[] = [
    ...report.budgets.map((b) => budgetCase(b, suiteName)),
    ...report.trust.guards.map((g) => guardCase(g, suiteName)),
  ]
  const failures = cases.filter((c) => c.failure !== undefined).length
  const timeS = report.duration_s.toFixed(3)
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      '@_name': 'rag-latency-harness',
      '@_tests': String(cases.length),
      '@_failures': String(failures),
      '@_errors': '0',
      '@_time': timeS,
      testsuite: {
        '@_name': suiteName,
        '@_tests': String(cases.length),
        '@_failures': String(failures),
        '@_errors': '0',
        '@_skipped': '0',
        '@_time': timeS,
        '@_timestamp': report.started_at.replace(/\.\d+Z$/, 'Z'),
        properties: { property: suiteProperties(report) },
        testcase: cases,
      },
    },
  }
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    format: true,
    suppressEmptyNode: true,
  })
  return builder.build(doc)
}

function budgetCase(b: Report['budgets'][number], suiteName: string): TestCase {
  const testcase: TestCase = {
    '@_classname': suiteName,
    '@_name': xmlText(`${b.target} ${b.metric}`),
    '@_time': '0',
  }
  const details = xmlText(
    [
      `budget: ${b.source}`,
      `limit: ${budgetLimitText(b)}`,
      `actual: ${formatBudgetValue(b.actual, b.unit)}`,
      ...(budgetEvidenceText(b) ? [`decided on: ${budgetEvidenceText(b)}`] : []),
      ...(b.note ? [`note: ${b.note}`] : []),
    ].join('\n'),
  )
  const inconclusive = budgetStatus(b) === 'inconclusive'
  if (!b.pass) {
    testcase.failure = {
      '@_message': xmlText(budgetFailureMessage(b)),
      '@_type': inconclusive ? 'BudgetInconclusive' : 'BudgetExceeded',
      '#text': details,
    }
  } else if (inconclusive) {
    // JUnit has no "warning" outcome: the case passes and says why it is only a warning.
    testcase['system-out'] = xmlText(`INCONCLUSIVE (warning): ${budgetFailureMessage(b)}\n${details}`)
  }
  return testcase
}

function guardCase(g: Report['trust']['guards'][number], suiteName: string): TestCase {
  const testcase: TestCase = {
    '@_classname': `${suiteName}.trust`,
    '@_name': xmlText(`trust ${g.name}`),
    '@_time': '0',
  }
  if (!g.pass) {
    testcase.failure = {
      '@_message': xmlText(
        `${g.name} ${formatScalar(g.figure, g.unit)} is outside the threshold ${thresholdText(g)}`,
      ),
      '@_type': 'UntrustedRun',
      '#text': xmlText(
        [
          `guard: ${guardText(g)}`,
          `threshold: ${thresholdText(g)}`,
          `figure: ${formatScalar(g.figure, g.unit)}`,
          ...(g.reason ? [`reason: ${g.reason}`] : []),
        ].join('\n'),
      ),
    }
  }
  return testcase
}

// The run's identity and verdicts, for CI reporters that show suite properties.
function suiteProperties(report: Report) {
  const env = report.environment
  return [
    ['verdict', overallVerdict(report)],
    ['status', report.status],
    ['trust', trustLine(report)],
    ['seed', String(report.scenario.seed)],
    ['sampler', report.sampler],
    ['git_sha', env.git_sha ?? ''],
    ['node', env.node],
    ['cpu', `${env.cpus} × ${env.cpu_model}`],
    ...streamProperties(report),
  ].map(([name, value]) => ({ '@_name': name, '@_value': xmlText(value ?? '') }))
}
