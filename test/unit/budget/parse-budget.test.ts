import { describe, expect, it } from 'vitest'
import { canonicalKey, parseBudgets, parseStageSelector } from '../../../src/budget/parse-budget.ts'
import { ValidationError } from '../../../src/errors.ts'
import { parseScenarioText } from '../../../src/scenario/load-scenario.ts'

describe('parseStageSelector', () => {
  it.each([
    { key: 'rag_pipeline', spanName: 'rag_pipeline', attributes: {}, canonical: 'rag_pipeline' },
    { key: 'POST /ask', spanName: 'POST /ask', attributes: {}, canonical: 'POST /ask' },
    {
      key: 'rag_pipeline{tenant_id=acme}',
      spanName: 'rag_pipeline',
      attributes: { tenant_id: 'acme' },
      canonical: 'rag_pipeline{tenant_id=acme}',
    },
    {
      key: 'rag_pipeline{tenant_id="acme"}',
      spanName: 'rag_pipeline',
      attributes: { tenant_id: 'acme' },
      canonical: 'rag_pipeline{tenant_id=acme}',
    },
    {
      key: "llm_generation { gen_ai.request.model = 'gpt-4o mini' }",
      spanName: 'llm_generation',
      attributes: { 'gen_ai.request.model': 'gpt-4o mini' },
      canonical: 'llm_generation{gen_ai.request.model=gpt-4o mini}',
    },
    {
      key: 'rag_pipeline{tenant_id=acme, cache.hit="true"}',
      spanName: 'rag_pipeline',
      attributes: { tenant_id: 'acme', 'cache.hit': 'true' },
      canonical: 'rag_pipeline{cache.hit=true,tenant_id=acme}',
    },
  ])('$key → $canonical', ({ key, spanName, attributes, canonical }) => {
    expect(parseStageSelector(key)).toEqual({ key: canonical, spanName, attributes })
  })

  it('gives the same key whatever the attribute order', () => {
    const a = parseStageSelector('rag_pipeline{b=2,a=1}')
    const b = parseStageSelector('rag_pipeline{a=1,b=2}')
    expect(a).toEqual(b)
    expect(canonicalKey('rag_pipeline', { b: '2', a: '1' })).toBe('rag_pipeline{a=1,b=2}')
  })
})

describe('parseBudgets', () => {
  it('parses stage, throughput and sampling-overhead budgets, keeping the source text', () => {
    const { budgets, problems } = parseBudgets({
      rag_pipeline: { p95: '2500ms', p99: '4s' },
      'rag_pipeline{tenant_id=acme}': { p95: '2000ms', error_rate: 0.01 },
      llm_generation: { error_rate: '5%', mean: '1.5s' },
      throughput: { min_rps: 25 },
      sampling_overhead: { cpu_per_request: '10%' },
    })
    expect(problems).toEqual([])
    expect(budgets).toEqual([
      expect.objectContaining({
        kind: 'stage',
        target: 'rag_pipeline',
        metric: 'p95',
        limit: 2500,
        unit: 'ms',
      }),
      expect.objectContaining({ target: 'rag_pipeline', metric: 'p99', limit: 4000, unit: 'ms' }),
      expect.objectContaining({
        target: 'rag_pipeline{tenant_id=acme}',
        selector: {
          key: 'rag_pipeline{tenant_id=acme}',
          spanName: 'rag_pipeline',
          attributes: { tenant_id: 'acme' },
        },
        metric: 'p95',
        limit: 2000,
      }),
      expect.objectContaining({ metric: 'error_rate', limit: 0.01, unit: 'ratio' }),
      expect.objectContaining({ target: 'llm_generation', metric: 'error_rate', limit: 0.05, unit: 'ratio' }),
      expect.objectContaining({ target: 'llm_generation', metric: 'mean', limit: 1500, unit: 'ms' }),
      {
        kind: 'throughput',
        target: 'throughput',
        metric: 'min_rps',
        limit: 25,
        unit: 'req/s',
        source: 'throughput.min_rps: 25',
      },
      {
        kind: 'sampling_overhead',
        target: 'sampling_overhead',
        metric: 'cpu_per_request',
        limit: 0.1,
        unit: 'ratio',
        source: 'sampling_overhead.cpu_per_request: 10%',
      },
    ])
    expect(budgets[0]!.source).toBe('rag_pipeline.p95: 2500ms')
  })

  it('reads error_rate 0.01 and "1%" as the same limit', () => {
    const a = parseBudgets({ s: { error_rate: 0.01 } }).budgets[0]!
    const b = parseBudgets({ s: { error_rate: '1%' } }).budgets[0]!
    expect(a.limit).toBe(b.limit)
  })

  it.each([
    {
      name: 'braces without a filter',
      input: { 'rag_pipeline{}': { p95: '1s' } },
      path: ['rag_pipeline{}'],
      message: 'expected attribute=value inside the braces, got ""',
    },
    {
      name: 'unclosed brace',
      input: { 'rag_pipeline{tenant_id=acme': { p95: '1s' } },
      path: ['rag_pipeline{tenant_id=acme'],
      message:
        'expected a span name optionally followed by {attribute=value}, like rag_pipeline{tenant_id=acme}',
    },
    {
      name: 'no span name',
      input: { '{tenant_id=acme}': { p95: '1s' } },
      path: ['{tenant_id=acme}'],
      message:
        'expected a span name optionally followed by {attribute=value}, like rag_pipeline{tenant_id=acme}',
    },
    {
      name: 'filter without =',
      input: { 'rag_pipeline{tenant_id}': { p95: '1s' } },
      path: ['rag_pipeline{tenant_id}'],
      message: 'expected attribute=value inside the braces, got "tenant_id"',
    },
    {
      name: 'unknown metric',
      input: { rag_pipeline: { p96: '1s' } },
      path: ['rag_pipeline', 'p96'],
      message: 'expected one of p50, p90, p95, p99, p999, max, mean, error_rate',
    },
    {
      name: 'duration without a unit',
      input: { rag_pipeline: { p95: 250 } },
      path: ['rag_pipeline', 'p95'],
      message: 'expected a duration like 250ms, got 250',
    },
    {
      name: 'negative duration',
      input: { rag_pipeline: { p95: '-5ms' } },
      path: ['rag_pipeline', 'p95'],
      message: 'expected a duration like 250ms, got "-5ms"',
    },
    {
      name: 'error rate above 100%',
      input: { rag_pipeline: { error_rate: '150%' } },
      path: ['rag_pipeline', 'error_rate'],
      message: 'expected an error rate like 0.01 or 1%, got "150%"',
    },
    {
      name: 'error rate above 1 as a number',
      input: { rag_pipeline: { error_rate: 2 } },
      path: ['rag_pipeline', 'error_rate'],
      message: 'expected an error rate like 0.01 or 1%, got 2',
    },
    {
      name: 'throughput metric other than min_rps',
      input: { throughput: { max_rps: 3 } },
      path: ['throughput', 'max_rps'],
      message: 'expected min_rps, the only throughput budget',
    },
    {
      name: 'throughput as a string',
      input: { throughput: { min_rps: '25' } },
      path: ['throughput', 'min_rps'],
      message: 'expected requests per second (a positive number), got "25"',
    },
    {
      name: 'zero throughput',
      input: { throughput: { min_rps: 0 } },
      path: ['throughput', 'min_rps'],
      message: 'expected requests per second (a positive number), got 0',
    },
    {
      name: 'sampling overhead metric',
      input: { sampling_overhead: { p95: '5%' } },
      path: ['sampling_overhead', 'p95'],
      message: 'expected one of cpu_per_request, p50, p99',
    },
  ])('rejects $name', ({ input, path, message }) => {
    const { budgets, problems } = parseBudgets(input as unknown as Parameters<typeof parseBudgets>[0])
    expect(budgets).toEqual([])
    expect(problems).toEqual([{ path, message }])
  })

  it('reports every bad value at once and keeps the good ones', () => {
    const { budgets, problems } = parseBudgets({ rag_pipeline: { p95: '1s', p99: 'soon', p42: '1s' } })
    expect(budgets.map((b) => b.metric)).toEqual(['p95'])
    expect(problems.map((p) => p.path)).toEqual([
      ['rag_pipeline', 'p99'],
      ['rag_pipeline', 'p42'],
    ])
  })

  it('accepts an error rate of exactly 1 (100%) and refuses a value that is neither text nor number', () => {
    expect(parseBudgets({ rag_pipeline: { error_rate: 1 } }).budgets[0]).toMatchObject({ limit: 1 })
    expect(parseBudgets({ rag_pipeline: { error_rate: '100%' } }).budgets[0]).toMatchObject({ limit: 1 })
    const input = { rag_pipeline: { error_rate: true } } as unknown as Parameters<typeof parseBudgets>[0]
    expect(parseBudgets(input).problems).toEqual([
      { path: ['rag_pipeline', 'error_rate'], message: 'expected an error rate like 0.01 or 1%, got true' },
    ])
  })

  it('refuses a sampling-overhead limit that is not a percentage, saying what it got', () => {
    for (const raw of ['lots', true]) {
      const input = { sampling_overhead: { cpu_per_request: raw } } as unknown as Parameters<
        typeof parseBudgets
      >[0]
      expect(parseBudgets(input).problems).toEqual([
        {
          path: ['sampling_overhead', 'cpu_per_request'],
          message: `expected a percentage like 5%, got ${JSON.stringify(raw)}`,
        },
      ])
    }
    expect(parseBudgets({ sampling_overhead: { p99: 0.05 } }).budgets[0]).toMatchObject({ limit: 0.05 })
  })

  it('trims the spaces around a filter it reports', () => {
    expect(parseStageSelector('rag_pipeline{ tenant_id }')).toBe(
      'expected attribute=value inside the braces, got "tenant_id"',
    )
  })
})

describe('one stage key however it is spelled (issue 11 item 8)', () => {
  it('refuses a second spelling of a key (quoted, spaced, reordered) instead of a second budget', () => {
    const { budgets, problems } = parseBudgets({
      'rag_pipeline{tenant_id=acme}': { p95: '2s' },
      'rag_pipeline{tenant_id="acme"}': { p95: '1s' },
      'rag_pipeline { tenant_id = acme }': { p99: '3s' },
      "rag_pipeline{tenant_id='acme'}": { error_rate: '1%' },
    })
    expect(budgets.map((b) => b.source)).toEqual(['rag_pipeline{tenant_id=acme}.p95: 2s'])
    expect(problems.map((p) => p.path)).toEqual([
      ['rag_pipeline{tenant_id="acme"}'],
      ['rag_pipeline { tenant_id = acme }'],
      ["rag_pipeline{tenant_id='acme'}"],
    ])
    for (const p of problems)
      expect(p.message).toBe(
        'the same stage as "rag_pipeline{tenant_id=acme}" (both are rag_pipeline{tenant_id=acme}); put all of its budgets under one key',
      )
    const reordered = parseBudgets({ 'x{a=1,b=2}': { p50: '1s' }, 'x{b=2, a=1}': { p50: '2s' } })
    expect(reordered.problems).toHaveLength(1)
  })

  it('refuses an attribute given twice in one key', () => {
    expect(parseStageSelector('rag_pipeline{tenant_id=acme,tenant_id=globex}')).toBe(
      'attribute tenant_id is given twice; a span has one value per attribute',
    )
  })

  it('names the file, line and key when loading', () => {
    const text = [
      'name: dup',
      'requests: [{ tenant: acme, api_key: key-acme, question: q }]',
      'budgets:',
      '  "rag_pipeline{tenant_id=acme}": { p95: 2s }',
      '  "rag_pipeline{tenant_id=\\"acme\\"}": { p95: 1s }',
      '',
    ].join('\n')
    const error = catchValidation(() => parseScenarioText(text, 'dup.yaml'))
    expect(error.problems).toEqual([
      expect.stringMatching(
        /^dup\.yaml:5:3: budgets\."rag_pipeline\{tenant_id=\\"acme\\"\}": the same stage as/,
      ),
    ])
  })
})

function catchValidation(fn: () => unknown): ValidationError {
  try {
    fn()
  } catch (error) {
    if (error instanceof ValidationError) return error
    throw error
  }
  throw new Error('expected a ValidationError')
}
