// Bad streaming input (issue 13) is refused up front with the key and its line: exit 2 through
// the CLI, as every ValidationError is.
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../../src/errors.ts'
import { parseScenarioText } from '../../../src/scenario/load-scenario.ts'

function problemsOf(text: string): readonly string[] {
  try {
    parseScenarioText(text, 'x.yaml')
  } catch (error) {
    if (error instanceof ValidationError) return error.problems
    throw error
  }
  throw new Error('expected a ValidationError, but the scenario was accepted')
}

const TOKENS =
  'latency: { tokens: { ttft: { fixed: 100ms }, per_token: 5ms, output_tokens: { min: 5, max: 10 } } }'

const scenario = (llm: string, budgets = '', extra = '', stream = true) =>
  [
    'name: s',
    'requests:',
    `  - { tenant: acme, api_key: k, question: q${stream ? ', stream: true' : ''} }`,
    'dependencies:',
    '  llm:',
    ...llm.split('\n').map((line) => `    ${line}`),
    extra,
    budgets ? `budgets:\n${budgets}` : '',
  ].join('\n')

describe('streaming settings that cannot work', () => {
  it('tokens_per_chunk: 0', () => {
    expect(problemsOf(scenario(`${TOKENS}\ntokens_per_chunk: 0`))).toEqual([
      'x.yaml:7:5: dependencies.llm.tokens_per_chunk: expected a token count per streamed chunk (a positive integer), got 0',
    ])
  })

  it('a stall longer than the request deadline', () => {
    const problems = problemsOf(
      scenario(
        `${TOKENS}\nfailures: [{ stall: { after_tokens: 2, for: 9s }, probability: 0.1 }]`,
        '',
        'pipeline: { timeout: 5s }',
      ),
    )
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(
      /^x\.yaml:7:\d+: dependencies\.llm\.failures\.0\.stall\.for: expected a stall no longer than the request deadline \(pipeline\.timeout, 5000 ms\), got 9000 ms$/,
    )
  })

  it('a goodput budget without an slo', () => {
    const problems = problemsOf(scenario(TOKENS, '  goodput: { min: 95% }'))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(
      /^x\.yaml:9:\d+: budgets\.goodput\.slo: expected an slo, e\.g\. slo: \{ ttft: 1s, e2e: 4s \}/,
    )
  })

  it('a streamed request to an LLM without a token model', () => {
    const problems = problemsOf(scenario('latency: { fixed: 800ms }'))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(
      /^x\.yaml:3:\d+: requests\.0\.stream: expected dependencies\.llm\.latency to be a tokens model/,
    )
  })

  it('ttft budgets narrowed by anything but the tenant, or with an error_rate', () => {
    const problems = problemsOf(scenario(TOKENS, '  "ttft{model=x}": { p95: 1s }\n  itl: { error_rate: 1% }'))
    expect(problems).toHaveLength(2)
    expect(problems[0]).toMatch(/expected only tenant_id inside the braces of ttft/)
    expect(problems[1]).toMatch(
      /budgets\.itl\.error_rate: expected one of p50, p90, p95, p99, p999, max, mean/,
    )
  })

  it('stream budgets without any streamed request', () => {
    const problems = problemsOf(scenario(TOKENS, '  ttft: { p95: 1s }', '', false))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/budgets\.ttft: expected at least one request with stream: true/)
  })

  it('accepts a valid streaming scenario with any per_token model and a goodput budget', () => {
    const text = scenario(
      'latency: { tokens: { ttft: { lognormal: { p50: 300ms, p99: 1.2s } }, per_token: { uniform: { min: 5ms, max: 15ms } }, output_tokens: { min: 5, max: 10 } } }\ntokens_per_chunk: 2',
      '  "ttft{tenant_id=acme}": { p95: 1s }\n  goodput: { min: 95%, min_rps: 5, slo: { ttft: 1s, e2e: 4s } }',
    )
    const parsed = parseScenarioText(text, 'x.yaml')
    expect(parsed.dependencies.llm.latency).toMatchObject({
      kind: 'tokens',
      perTokenMs: 10,
      perToken: { kind: 'uniform' },
    })
    expect(parsed.budgets.filter((b) => b.target === 'goodput').map((b) => b.metric)).toEqual([
      'min',
      'min_rps',
    ])
  })
})
