// junit.xml of a nightly suite run, for CI test reporters: one <testsuite> per scenario, with a
// <testcase> per budget and per regression check (a metric compared with its history), plus one
// for the run itself when it failed and one for trust when the run was untrusted. Built with
// fast-xml-parser's XMLBuilder, which escapes text and attributes.
import { XMLBuilder } from 'fast-xml-parser'
import { formatValue } from './regression.ts'
import type { ScenarioOutcome, SuiteResult } from './suite-result.ts'

type Case = {
  '@_name': string
  '@_classname': string
  '@_time'?: string
  failure?: { '@_message': string; '@_type': string; '#text': string }
  error?: { '@_message': string; '@_type': string; '#text': string }
  skipped?: { '@_message': string }
  'system-out'?: string
}

// XML 1.0 cannot carry most control characters, even escaped.
function xmlText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
}

function casesOf(outcome: ScenarioOutcome): Case[] {
  const cases: Case[] = []
  const name = xmlText(outcome.name)
  if (outcome.status === 'failed') {
    const message = xmlText(outcome.error ?? 'the run failed')
    cases.push({
      '@_name': 'run',
      '@_classname': `${name}.run`,
      error: { '@_message': message, '@_type': 'run-failed', '#text': message },
    })
  }
  if (outcome.untrusted) {
    cases.push({
      '@_name': 'trust',
      '@_classname': `${name}.trust`,
      failure: {
        '@_message': 'the run is untrusted: its own checks say the numbers cannot be relied on',
        '@_type': 'untrusted',
        '#text': 'See the trust section of the scenario report.',
      },
    })
  }
  for (const budget of outcome.budgets) {
    const testcase: Case = { '@_name': xmlText(budget.source), '@_classname': `${name}.budgets` }
    const actual = budget.actual === null ? 'no data' : `${budget.actual} ${budget.unit}`
    if (budget.outcome === 'fail') {
      testcase.failure = {
        '@_message': xmlText(
          `${budget.inconclusive ? 'inconclusive: ' : ''}actual ${actual}, limit ${budget.limit} ${budget.unit}`,
        ),
        '@_type': budget.inconclusive ? 'budget-inconclusive' : 'budget',
        '#text': xmlText(
          `${budget.source}: actual ${actual}${budget.note ? ` (${String(budget.note)})` : ''}`,
        ),
      }
    } else if (budget.outcome === 'unexpected-pass') {
      testcase.failure = {
        '@_message': xmlText(`expected to fail (suite expected_failures) but passed: actual ${actual}`),
        '@_type': 'unexpected-pass',
        '#text':
          'The scenario is built to fail this budget; it passing means the scenario no longer shows what it was written for.',
      }
    } else if (budget.outcome === 'expected-fail') {
      testcase['@_name'] = xmlText(`${budget.source} (expected to fail)`)
    } else if (budget.outcome === 'inconclusive') {
      // JUnit has no warning outcome: the case passes and says why it is only a warning.
      testcase['@_name'] = xmlText(`${budget.source} (inconclusive: warning)`)
      testcase['system-out'] = xmlText(`actual ${actual}: ${budget.note ?? 'inconclusive'}`)
    }
    cases.push(testcase)
  }
  for (const finding of outcome.detection?.findings ?? []) {
    const testcase: Case = { '@_name': xmlText(finding.key), '@_classname': `${name}.regression` }
    if (finding.status === 'regression') {
      testcase.failure = {
        '@_message': xmlText(
          `regression: ${formatValue(finding.current, finding.unit)} vs baseline ${finding.baseline ? formatValue(finding.baseline.median, finding.unit) : '—'}`,
        ),
        '@_type': 'regression',
        '#text': xmlText(finding.evidence),
      }
    } else if (finding.status === 'insufficient-history' || finding.status === 'too-few-samples') {
      testcase.skipped = { '@_message': xmlText(finding.evidence) }
    }
    cases.push(testcase)
  }
  return cases
}

export function renderSuiteJunit(result: SuiteResult): string {
  const suites = result.outcomes.map((outcome) => {
    const cases = casesOf(outcome)
    return {
      '@_name': xmlText(outcome.name),
      '@_tests': cases.length,
      '@_failures': cases.filter((c) => c.failure).length,
      '@_errors': cases.filter((c) => c.error).length,
      '@_skipped': cases.filter((c) => c.skipped).length,
      '@_timestamp': outcome.report?.started_at ?? result.startedAt,
      testcase: cases,
    }
  })
  const total = (key: '@_tests' | '@_failures' | '@_errors' | '@_skipped') =>
    suites.reduce((sum, s) => sum + s[key], 0)
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    format: true,
    suppressEmptyNode: true,
  })
  const xml = builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      '@_name': xmlText(`nightly ${result.suite.name}`),
      '@_tests': total('@_tests'),
      '@_failures': total('@_failures'),
      '@_errors': total('@_errors'),
      '@_skipped': total('@_skipped'),
      '@_time': ((Date.parse(result.finishedAt) - Date.parse(result.startedAt)) / 1000).toFixed(3),
      testsuite: suites,
    },
  }) as string
  return xml.startsWith('<?xml') ? xml : `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`
}
