// The streamed-answer figures in the console, summary.md, junit.xml and report.html renderers.
import { describe, expect, it } from 'vitest'
import { reportSchema } from '../../../src/contract/report-schema.ts'
import { renderConsole } from '../../../src/report/render-console.ts'
import { renderHtml } from '../../../src/report/render-html.ts'
import { renderJunit } from '../../../src/report/render-junit.ts'
import { renderSummaryMarkdown } from '../../../src/report/render-summary-md.ts'
import { sampleReport, stageStats } from './sample-report.ts'

const summary = (p50: number, p95: number, count: number) => ({
  p50,
  p90: p95 * 0.9,
  p95,
  p99: p95 * 1.3,
  max: p95 * 2,
  count,
})

function streamedReport() {
  const base = sampleReport()
  return sampleReport({
    client_ttft_ms: summary(530, 982, 873),
    client_itl_ms: summary(19.7, 48.6, 68_908),
    client_tpot_ms: summary(22.3, 24.6, 873),
    output_tokens_per_s: summary(34.7, 40.1, 873),
    goodput: { slo: { ttft_ms: 1000, e2e_ms: 4000 }, share: 0.957, rps: 27.9 },
    stream_requests: { count: 874, ok: 873, failures: { error_event: 1 } },
    stages: { ...base.stages, 'llm_generation.time_to_first_token': stageStats(308) },
    budgets: [
      ...base.budgets,
      {
        target: 'itl',
        metric: 'p95',
        limit: 40,
        actual: 48.6,
        unit: 'ms',
        pass: false,
        verdict: 'fail',
        source: 'itl.p95: 40ms',
        count: 68_908,
      },
    ],
  })
}

describe('streamed answers in the renderers', () => {
  const report = streamedReport()

  it('is a valid report', () => {
    expect(reportSchema.safeParse(report).success).toBe(true)
  })

  it('console: a table beside the client latency, goodput and the stream accounting', () => {
    const text = renderConsole(report, { color: false })
    expect(text).toMatch(/TTFT \(client\) \(ms\)\s+873\s+530\s+884\s+982/)
    expect(text).toMatch(/TTFT \(server, llm_generation\) \(ms\)\s+\d+\s+308/)
    expect(text).toContain('Goodput (ttft ≤ 1000 ms, e2e ≤ 4000 ms): 95.7% of streamed requests · 27.9 req/s')
    expect(text).toContain('Streamed requests: 874 answered · 873 complete · failed: error_event 1')
    expect(text.indexOf('streamed answers')).toBeLessThan(text.indexOf('Budgets'))
  })

  it('summary.md: a table of the figures', () => {
    const md = renderSummaryMarkdown(report)
    expect(md).toContain('| ITL (pooled gaps) (ms) | 68908 | 19.7 | 48.6 | 63.2 | 97.2 |')
  })

  it('junit.xml: p95s and the goodput share as properties', () => {
    const xml = renderJunit(report)
    expect(xml).toContain('<property name="client_ttft_p95_ms" value="982.000"/>')
    expect(xml).toContain('<property name="goodput_share" value="0.9570"/>')
    expect(xml).toMatch(/<testcase classname="[^"]+" name="itl p95"/)
  })

  it('report.html: the section with a failed ITL budget marker', () => {
    const html = renderHtml(report)
    expect(html).toContain('id="chart-stream-itl"')
    expect(html).toMatch(/<line class="budget-marker fail" data-target="itl" data-metric="p95"/)
  })

  it('leaves them out of a report without streamed requests', () => {
    const plain = sampleReport()
    expect(renderConsole(plain, { color: false })).not.toContain('streamed answers')
    expect(renderSummaryMarkdown(plain)).not.toContain('Streamed answers')
    expect(renderHtml(plain)).toContain('No streamed requests in this run')
  })
})
