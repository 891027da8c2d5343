import { describe, expect, it } from 'vitest'
import { formatMs, orderedStageKeys, renderConsole } from '../../../src/report/render-console.ts'
import { inconclusiveReport, sampleReport } from './sample-report.ts'

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI = /\u001b\[/

describe('renderConsole', () => {
  const failing = renderConsole(sampleReport(), { color: false })
  const lines = failing.split('\n')

  it('has no ANSI codes when colour is off, and some when it is on', () => {
    expect(failing).not.toMatch(ANSI)
    expect(renderConsole(sampleReport(), { color: true })).toMatch(ANSI)
  })

  it('orders stage rows by the pipeline, then attribute-narrowed keys', () => {
    const report = sampleReport()
    expect(orderedStageKeys(report.stages)).toEqual([
      'POST /ask',
      'rag_pipeline',
      'embedding_generation',
      'vector_search',
      'llm_generation',
      'rag_pipeline{tenant_id=acme}',
    ])
    const rowIndex = (key: string) => lines.findIndex((line) => line.trimStart().startsWith(`${key} `))
    expect(rowIndex('POST /ask')).toBeGreaterThan(0)
    expect(rowIndex('POST /ask')).toBeLessThan(rowIndex('rag_pipeline'))
    expect(rowIndex('llm_generation')).toBeLessThan(rowIndex('rag_pipeline{tenant_id=acme}'))
  })

  it('shows each stage with count, errors and percentiles in ms', () => {
    const row = lines.find((line) => line.trimStart().startsWith('llm_generation '))!
    // count 1000, errors 0, p50 812.3 → "812", p90 974.76 → "975", max 1624.6 → "1625"
    expect(row.trim().split(/\s+/)).toEqual([
      'llm_generation',
      '1000',
      '0',
      '812',
      '975',
      '1056',
      '1218',
      '1625',
    ])
    const embedding = lines.find((line) => line.trimStart().startsWith('embedding_generation '))!
    expect(embedding).toContain('0.42')
  })

  it('shows an empty stage without made-up numbers', () => {
    const row = lines.find((line) => line.trimStart().startsWith('vector_search '))!
    expect(row.trim().split(/\s+/)).toEqual(['vector_search', '0', '0', '–', '–', '–', '–', '–'])
  })

  it('prints every budget with limit, actual and PASS/FAIL', () => {
    const budgetLine = (target: string, metric: string) =>
      lines.find((line) => line.trimStart().startsWith(`${target} `) && line.includes(` ${metric} `))!
    expect(budgetLine('rag_pipeline', 'p95')).toMatch(/≤ 2500 ms\s+262 ms\s+PASS$/)
    expect(budgetLine('rag_pipeline{tenant_id=acme}', 'error_rate')).toMatch(/≤ 1\.00%\s+1\.50%\s+FAIL$/)
    expect(budgetLine('vector_search', 'p99')).toMatch(
      /no data\s+FAIL\s+\(no spans matched vector_search after warm-up\)$/,
    )
    expect(budgetLine('throughput', 'min_rps')).toMatch(/≥ 25\.0 req\/s\s+60\.0 req\/s\s+PASS$/)
  })

  it('prints the load and accounting lines', () => {
    expect(failing).toContain(
      'Load: autocannon 8.0.0 (closed model) · 64 connections · sent 1234 · completed 1200 · errors 4 · timeouts 0 · in flight at end 30 · 60.0 req/s · status 200×1100 429×100',
    )
    expect(failing).toMatch(
      /^Accounting: ok — sent 1234 = completed 1200 \+ errors 4 \+ timeouts 0 \+ in flight 30/m,
    )
  })

  it('says the server counts are sampled traces when the sampler is not always_on', () => {
    const text = renderConsole(sampleReport({ sampler: 'ratio(0.1)' }), { color: false })
    expect(text).toContain('sampled traces (ratio(0.1))')
    expect(text).not.toContain('reached the endpoint')
  })

  it('prints a mismatch with its notes', () => {
    const report = sampleReport()
    const text = renderConsole(
      {
        ...report,
        accounting: {
          ...report.accounting,
          ok: false,
          notes: ['3 requests are missing', 'roots ≠ requests'],
        },
      },
      { color: false },
    )
    expect(text).toContain('Accounting: MISMATCH')
    expect(text).toContain('  - 3 requests are missing\n  - roots ≠ requests')
  })

  it('ends with the verdict', () => {
    const nonEmpty = lines.filter((line) => line.trim() !== '')
    expect(nonEmpty.at(-2)).toBe('  VERDICT: FAIL — 2 of 4 budgets failed; the run was trusted')
    expect(nonEmpty.at(-1)).toMatch(/^═+$/)
  })

  it('says PASS when every budget passed', () => {
    const report = sampleReport()
    const passing = {
      ...report,
      verdict: 'pass' as const,
      budget_verdict: 'pass' as const,
      budgets: report.budgets.filter((b) => b.pass),
    }
    const text = renderConsole(passing, { color: false })
    expect(text).toContain('VERDICT: PASS — all 2 budgets passed; the run was trusted')
    expect(text).not.toContain('FAIL')
  })

  it('is pure: the same report renders the same text', () => {
    expect(renderConsole(sampleReport(), { color: false })).toBe(failing)
  })
})

describe('formatMs', () => {
  it.each([
    [0.4234, '0.42'],
    [5.126, '5.13'],
    [51.12, '51.1'],
    [204.4, '204'],
    [2480.2, '2480'],
  ])('%s → %s', (ms, text) => {
    expect(formatMs(ms)).toBe(text)
  })
})

describe('renderConsole: an inconclusive budget', () => {
  it('says INCONCLUSIVE with the sample, the interval and the run that would decide it', () => {
    const out = renderConsole(inconclusiveReport('fail'), { color: false })
    const line = out.split('\n').find((l) => l.includes('llm_generation') && l.includes('p99'))!
    expect(line).toContain('n=120 · 95% CI [780 ms, unbounded]')
    expect(line).toContain('INCONCLUSIVE (fails)')
    expect(line).toContain('about 368 spans would probably decide it')
    expect(line).not.toMatch(/\bPASS\b/)
    expect(out).toContain('1 of 3 budgets failed (1 inconclusive)')
  })

  it('shows it as a warning in a quick run, and the verdict passes', () => {
    const out = renderConsole(inconclusiveReport('warn'), { color: false })
    expect(out).toContain('INCONCLUSIVE (warning)')
    expect(out).toContain('2 of 3 budgets passed; 1 inconclusive (warning)')
    expect(out).toMatch(/VERDICT: PASS/)
  })
})
