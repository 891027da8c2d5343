import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Report } from '../../../src/contract/report-types.ts'
import type { SpanRecord, TraceRecord } from '../../../src/contract/trace-record.ts'
import { renderHtml, SECTION_IDS } from '../../../src/report/render-html.ts'
import { sampleAnalysis } from './sample-analysis.ts'
import { inconclusiveReport, sampleReport } from './sample-report.ts'

const XSS = '<img src=x onerror=alert(1)>'
const SCRIPT_BREAK = '</script><script>alert(2)</script>'

function span(
  name: string,
  id: string,
  parent: string | null,
  startMs: number,
  durationMs: number,
  extra: Partial<SpanRecord> = {},
): SpanRecord {
  return {
    name,
    span_id: id,
    parent_span_id: parent,
    kind: 'internal',
    start_offset_ms: startMs,
    duration_ms: durationMs,
    status: 'unset',
    attributes: {},
    events: [],
    ...extra,
  }
}

// A trace whose spans carry an XSS question, an exception message with markup, and credentials
// (header attribute, api key, bearer token in a message) that must never be rendered.
const RATE_LIMIT_PATH =
  'POST /ask › rag_pipeline › llm_generation › POST /v1/chat/completions › 429 RateLimitError'

function trace(id: string, durationMs: number, reason: string, error = false): TraceRecord {
  const spans = [
    span('POST /ask', `${id}01`, null, 0, durationMs, {
      kind: 'server',
      attributes: { 'http.request.header.authorization': 'Bearer sk-live-SECRET0001', tenant_id: 'acme' },
    }),
    span('rag_pipeline', `${id}02`, `${id}01`, 1, durationMs - 2, {
      attributes: { question: XSS, api_key: 'key-SECRET0002', 'gen_ai.usage.input_tokens': 16 },
    }),
    span('llm_generation', `${id}03`, `${id}02`, 2, durationMs - 4, error ? { status: 'error' } : {}),
    span('POST /v1/chat/completions', `${id}04`, `${id}03`, 3, durationMs - 6, {
      kind: 'client',
      attributes: {
        'peer.service': 'llm',
        ...(error ? { 'error.type': 'RateLimitError', 'http.response.status_code': 429 } : {}),
      },
      ...(error
        ? {
            status: 'error' as const,
            status_message: `upstream said ${XSS} with Authorization: Bearer sk-live-SECRET0003`,
            events: [
              {
                name: 'exception',
                offset_ms: 4,
                attributes: {
                  'exception.type': 'RateLimitError',
                  'exception.message': `${SCRIPT_BREAK} 429`,
                },
              },
            ],
          }
        : {}),
    }),
  ]
  return {
    trace_id: id.padEnd(32, '0'),
    duration_ms: durationMs,
    error,
    ...(error ? { error_path: RATE_LIMIT_PATH } : {}),
    reason,
    spans,
  }
}

function reportWithExemplars(overrides: Partial<Report> = {}): Report {
  const analysis = sampleAnalysis()
  return sampleReport({
    exemplars: [
      trace('aa', 900, 'slowest'),
      trace('bb', 600, 'error', true),
      ...Array.from({ length: 20 }, (_, i) => trace(`c${i.toString(16)}`, 200 + i * 10, 'sample')),
    ],
    analysis: {
      ...analysis,
      root_causes: [
        { path: RATE_LIMIT_PATH, count: 12, request_share: 0.01, exemplar_trace_id: 'bb'.padEnd(32, '0') },
      ],
    },
    stages: {
      ...sampleReport().stages,
      'POST /v1/chat/completions': sampleReport().stages.llm_generation!,
      [SCRIPT_BREAK]: sampleReport().stages.rag_pipeline!,
    },
    ...overrides,
  })
}

function sectionHtml(html: string, id: string): string {
  const start = html.indexOf(`id="${id}"`)
  expect(start, `section ${id}`).toBeGreaterThan(-1)
  const next = html.indexOf('<section id=', start + 10)
  return html.slice(start, next === -1 ? undefined : next)
}

describe('renderHtml', () => {
  const html = renderHtml(reportWithExemplars())

  it('has every section, in the reading order', () => {
    const positions = SECTION_IDS.map((id) => html.indexOf(`id="${id}"`))
    for (const [i, p] of positions.entries()) expect(p, SECTION_IDS[i]).toBeGreaterThan(-1)
    expect([...positions].sort((a, b) => a - b)).toEqual(positions)
  })

  it('makes no external requests: no remote src/href, no <link>, a CSP that forbids network', () => {
    expect(html).not.toMatch(/\b(src|href|action)\s*=\s*["']?\s*(https?:)?\/\//i)
    expect(html).not.toMatch(/<link\b/i)
    expect(html).not.toMatch(/@import|url\(\s*["']?(https?:)?\/\//i)
    expect(html).toContain('default-src &#39;none&#39;')
  })

  it('allows exactly its own scripts, by hash', () => {
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/
      .exec(html)![1]!
      .replace(/&#39;/g, "'")
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!)
    expect(scripts).toHaveLength(2)
    for (const script of scripts) {
      const hash = createHash('sha256').update(script, 'utf8').digest('base64')
      expect(csp).toContain(`'sha256-${hash}'`)
    }
    expect(csp).not.toContain("unsafe-inline' 'sha") // scripts are never unsafe-inline
    expect(/script-src ([^;]+)/.exec(csp)![1]).not.toContain('unsafe-inline')
  })

  it('escapes what came from requests and spans', () => {
    expect(html).not.toContain(XSS)
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(html).not.toContain(SCRIPT_BREAK)
    expect(html).not.toContain('<script>alert(2)')
    // The only <script> elements are the data block and the two hashed scripts.
    expect(html.match(/<script\b/g)).toHaveLength(3)
  })

  it('never shows credentials', () => {
    for (const secret of [
      'SECRET0001',
      'SECRET0002',
      'SECRET0003',
      'http.request.header.authorization',
      'api_key',
    ])
      expect(html).not.toContain(secret)
    // Token counts are not credentials.
    expect(html).toContain('gen_ai.usage.input_tokens')
  })

  it('draws the slowest, a p99, a typical and an error exemplar, linked from the root causes', () => {
    const exemplars = sectionHtml(html, 'exemplars')
    expect(exemplars).toContain('Slowest trace')
    expect(exemplars).toContain('near p99')
    expect(exemplars).toContain('typical')
    expect(exemplars).toContain('Error: POST /ask')
    expect(exemplars).toMatch(/class="exception"><strong>Exception RateLimitError<\/strong>/)
    const errors = sectionHtml(html, 'errors')
    expect(errors).toContain(`href="#trace-${'bb'.padEnd(32, '0')}"`)
    expect(html).toContain(`id="trace-${'bb'.padEnd(32, '0')}"`)
  })

  it('indents child spans and places bars by offset', () => {
    expect(html).toMatch(/<span class="wf-name" style="padding-left:4px"[^>]*>POST \/ask/)
    expect(html).toMatch(/<span class="wf-name" style="padding-left:46px"[^>]*>POST \/v1\/chat\/completions/)
  })

  it('puts failing budgets first in the verdict and the budgets table', () => {
    const verdict = sectionHtml(html, 'verdict')
    expect(verdict).toContain('Failing budgets')
    expect(verdict).toContain('error_rate')
    const budgets = sectionHtml(html, 'budgets')
    const failIndex = budgets.indexOf('rag_pipeline{tenant_id=acme}')
    const passIndex = budgets.indexOf('>throughput<')
    expect(failIndex).toBeGreaterThan(-1)
    expect(failIndex).toBeLessThan(passIndex)
    expect(budgets).toMatch(/\+2238 ms/) // margin of the passing p95: 2500 − 262.301
  })

  it('renders trust guards, the analysis and histograms when the report has them', () => {
    expect(sectionHtml(html, 'trust')).toContain('endpoint event-loop delay p99')
    expect(sectionHtml(html, 'trust')).toContain('Mock fidelity')
    expect(sectionHtml(html, 'where-time-goes')).toContain('Potential savings')
    expect(sectionHtml(html, 'dependencies')).toContain('calls / request')
    expect(sectionHtml(html, 'hygiene')).not.toContain('Not measured')
    expect(html).toContain('"source":"histogram"')
  })

  it('says "not measured in this run" for the overhead section of a run that did not measure it', () => {
    const { overhead: _, ...bare } = reportWithExemplars()
    expect(sectionHtml(renderHtml(bare), 'overhead')).toMatch(/not measured in this run/i)
  })

  it('shows untrusted when a trust guard failed', () => {
    const base = sampleReport()
    const untrusted = renderHtml({
      ...base,
      verdict: 'untrusted',
      trust: {
        ...base.trust,
        verdict: 'untrusted',
        reasons: ['the endpoint event loop was delayed 78 ms at p99'],
        guards: base.trust.guards.map((g) => ({ ...g, figure: 78, pass: false })),
      },
    })
    expect(untrusted).toContain('<span class="badge untrusted">UNTRUSTED</span>')
    expect(untrusted).toContain('the endpoint event loop was delayed 78 ms at p99')
  })

  it('marks command-line overrides in the scenario text, with credentials redacted', () => {
    const base = sampleReport({ overrides: { 'load.duration': '4s' } })
    const text =
      'name: rate-limit\nload:\n  connections: 8\n  duration: 20s\nrequests:\n  - { tenant: acme, api_key: key-SECRET0004, question: hi }\n'
    const out = renderHtml({ ...base, scenario: { ...base.scenario, text } } as Report)
    const scenario = sectionHtml(out, 'scenario')
    expect(scenario).toMatch(
      /class="ln is-override" data-n="4"> {2}duration: 20s <span class="override-note">[^<]*load\.duration = 4s/,
    )
    expect(out).not.toContain('SECRET0004')
  })

  it('stays small: aggregates plus a bounded exemplar set, whatever the run length', () => {
    const kinds = Array.from({ length: 50 }, (_, k) =>
      Array.from({ length: 3 }, (_, j) => {
        const t = trace(`e${k}x${j}`, 500, 'error', true)
        return {
          ...t,
          error_path: `POST /ask › rag_pipeline › llm_generation › POST /v1/chat/completions › 429 Kind${k}`,
          spans: t.spans.map((s) =>
            s.status === 'error' ? { ...s, attributes: { ...s.attributes, 'error.type': `Kind${k}` } } : s,
          ),
        }
      }),
    ).flat()
    const big = reportWithExemplars({
      exemplars: [...reportWithExemplars().exemplars, ...kinds],
      intervals: Array.from({ length: 3600 }, (_, i) => ({
        start_ms: i * 1000,
        warmup: i < 3,
        requests: 300,
        errors: 0,
        status_codes: { '200': 290, '429': 10 },
        p50_ms: 200,
        p99_ms: 900,
      })),
    })
    const out = renderHtml(big)
    // An hour of 1 s intervals and 50 error kinds: about 180 KB.
    expect(out.length).toBeLessThan(300_000)
    // One waterfall per error kind, at most 8 kinds drawn.
    expect(out.match(/<article class="trace"/g)!.length).toBeLessThanOrEqual(3 + 8)
  })

  it('does not mutate the report', () => {
    const report = reportWithExemplars()
    const before = JSON.stringify(report)
    renderHtml(report)
    expect(JSON.stringify(report)).toBe(before)
  })
})

describe('renderHtml: an inconclusive budget', () => {
  const budgetsSection = (html: string) =>
    html.slice(html.indexOf('id="budgets"'), html.indexOf('id="stages"'))

  it('is INCONCLUSIVE in the budgets table with its sample, interval and decisive run length, and listed as failing', () => {
    const html = renderHtml(inconclusiveReport('fail'))
    const table = budgetsSection(html)
    expect(table).toContain('<span class="pill fail">INCONCLUSIVE (fails)</span>')
    expect(table).toContain('n=120 · 95% CI [780 ms, unbounded]')
    expect(table).toContain('about 368 spans (≈ 92.0 s at the observed rate) would decide it')
    const verdict = html.slice(html.indexOf('id="verdict"'), html.indexOf('id="budgets"'))
    expect(verdict).toContain('Failing budgets')
    expect(verdict).toContain('straddles the limit')
  })

  it('is an amber warning in a quick run', () => {
    const html = renderHtml(inconclusiveReport('warn'))
    expect(budgetsSection(html)).toContain('<span class="pill warn">INCONCLUSIVE (warning)</span>')
    expect(html).toContain('Inconclusive budgets (warnings)')
    expect(html).not.toContain('<h3>Failing budgets</h3>')
  })
})
