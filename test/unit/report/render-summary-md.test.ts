import { describe, expect, it } from 'vitest'
import type { Report } from '../../../src/contract/report-types.ts'
import {
  markdownCell,
  renderSummaryMarkdown,
  TOP_ROOT_CAUSES,
} from '../../../src/report/render-summary-md.ts'
import { inconclusiveReport, sampleReport } from './sample-report.ts'

// The cells of a GFM table row: split on pipes that are not escaped.
function cells(line: string): string[] {
  return line
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim())
}

function tables(md: string): string[][] {
  const out: string[][] = []
  let current: string[] | undefined
  for (const line of md.split('\n')) {
    if (line.startsWith('|')) {
      current ??= []
      current.push(line)
    } else if (current) {
      out.push(current)
      current = undefined
    }
  }
  if (current) out.push(current)
  return out
}

describe('markdownCell', () => {
  it.each([
    ['a | b', 'a \\| b'],
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['line one\nline two', 'line one line two'],
    ['a & b `code`', 'a &amp; b &#96;code&#96;'],
  ])('%j → %j', (input, expected) => {
    expect(markdownCell(input)).toBe(expected)
  })
})

function withRootCauses(counts: Record<string, number>): Report {
  const report = sampleReport()
  const root_causes = Object.entries(counts).map(([path, count]) => ({
    path,
    count,
    request_share: count / 1204,
    exemplar_trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  }))
  return { ...report, analysis: { ...report.analysis, root_causes } }
}

describe('renderSummaryMarkdown', () => {
  const causes: Record<string, number> = {
    'POST /ask › rag_pipeline › llm_generation › POST /v1/chat/completions › 429 RateLimitError': 40,
    'POST /ask › weird|path › <img src=x onerror=alert(1)>': 7,
  }
  for (let i = 0; i < 6; i++) causes[`POST /ask › stage${i} › 500 Error${i}`] = i + 1
  const report = withRootCauses(causes)
  const md = renderSummaryMarkdown(report)

  it('starts with the verdict, the scenario and how many budgets failed', () => {
    expect(md.split('\n')[0]).toBe('## ❌ FAIL — rate-limit: 2 of 4 budgets failed')
  })

  it('carries the trust line', () => {
    expect(md).toContain('Trust: trusted — the one guard passed.')
  })

  it('lists the reasons of an untrusted run', () => {
    const untrusted = renderSummaryMarkdown({
      ...report,
      verdict: 'untrusted',
      trust: { ...report.trust, verdict: 'untrusted', reasons: ['event loop delayed 78 ms at p99'] },
    })
    expect(untrusted.split('\n')[0]).toMatch(/^## ⚠️ UNTRUSTED/)
    expect(untrusted).toContain('- event loop delayed 78 ms at p99')
  })

  it('has a well-formed budgets table, failing budgets first', () => {
    const [budgets] = tables(md)
    expect(budgets).toBeDefined()
    const widths = budgets!.map((line) => cells(line).length)
    expect(new Set(widths)).toEqual(new Set([6]))
    expect(budgets).toHaveLength(2 + report.budgets.length)
    const results = budgets!.slice(2).map((line) => cells(line)[5])
    expect(results).toEqual(['❌ **fail**', '❌ **fail**', '✅ pass', '✅ pass'])
    expect(budgets![2]).toContain('rag_pipeline{tenant_id=acme} error_rate')
    expect(budgets![2]).toContain('≤ 1.00%')
    expect(budgets![2]).toContain('1.50%')
  })

  it('lists the top root causes with escaped pipes and markup', () => {
    const [, roots] = tables(md)
    expect(roots).toHaveLength(2 + TOP_ROOT_CAUSES)
    for (const line of roots!) expect(cells(line)).toHaveLength(3)
    expect(roots![2]).toContain('429 RateLimitError')
    expect(md).toContain('weird\\|path')
    expect(md).not.toContain('<img')
    expect(md).toContain('…and 3 more kinds')
  })

  it('never shows credentials', () => {
    const leaky = renderSummaryMarkdown(
      withRootCauses({ 'POST /ask › auth failed with Bearer sk-live-SECRET9': 1 }),
    )
    expect(leaky).not.toContain('SECRET9')
    expect(leaky).toContain('Bearer ‹redacted›')
  })
})

describe('renderSummaryMarkdown: an inconclusive budget', () => {
  it('is marked inconclusive, failing in a full run, with its evidence and decisive run length', () => {
    const md = renderSummaryMarkdown(inconclusiveReport('fail'))
    const line = md.split('\n').find((l) => l.includes('llm_generation p99'))!
    expect(line).toContain('⚠️ **inconclusive (fails)**')
    expect(line).toContain(
      'n=120 · 95% CI [780 ms, unbounded]; about 368 spans (≈ 92.0 s at the observed rate) would decide it',
    )
    expect(md).toContain('1 of 3 budgets failed (1 inconclusive)')
  })

  it('is a warning in a quick run', () => {
    const md = renderSummaryMarkdown(inconclusiveReport('warn'))
    expect(md).toContain('⚠️ inconclusive (warning)')
    expect(md).toMatch(/^## ✅ PASS/)
  })
})
