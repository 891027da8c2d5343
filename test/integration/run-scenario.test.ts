// End to end: a real endpoint process, real sockets, autocannon, the in-memory collector.
// Timing assertions are lower bounds (a fixed latency is a floor) plus generous upper bounds.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { reportSchema } from '../../src/contract/report-schema.ts'
import { runScenario } from '../../src/run/run-scenario.ts'

const FIXTURES = join(import.meta.dirname, '../fixtures/scenarios')
const CLI = join(import.meta.dirname, '../../src/cli.ts')

function cli(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', timeout: 60_000 })
}

describe('a short run with fixed latencies', () => {
  it('measures each stage at or above its configured latency, accounts for every request and passes', async () => {
    const report = await runScenario(join(FIXTURES, 'good/fixed-latency.yaml'))
    expect(reportSchema.safeParse(report).success).toBe(true)

    const floorsMs: Record<string, number> = {
      authentication: 5,
      embedding_generation: 20,
      vector_search: 10,
      rerank: 15,
      llm_generation: 30,
      rag_pipeline: 75,
    }
    for (const [stage, floorMs] of Object.entries(floorsMs)) {
      const stats = report.stages[stage]
      expect(stats, stage).toBeDefined()
      expect(stats!.count, stage).toBeGreaterThan(10)
      expect(stats!.p50_ms, stage).toBeGreaterThanOrEqual(floorMs - 0.5)
      expect(stats!.min_ms, stage).toBeGreaterThanOrEqual(floorMs - 1)
      expect(stats!.p50_ms, stage).toBeLessThan(floorMs * 3 + 50)
    }
    // Client latency covers the server's whole pipeline.
    expect(report.client_latency_ms.p50).toBeGreaterThanOrEqual(80)

    const { load, accounting } = report
    expect(accounting.ok).toBe(true)
    expect(load.sent).toBe(load.completed + load.errors + load.timeouts + load.in_flight_at_end)
    expect(accounting.server_requests).toBeGreaterThanOrEqual(load.completed)
    expect(accounting.spans_started).toBe(accounting.spans_ended)
    expect(load.status_codes['200']).toBe(load.completed)

    // Warm-up is left out: fewer spans were measured than requests reached the endpoint.
    expect(report.stages['POST /ask']!.count).toBeLessThan(accounting.server_requests)
    expect(report.stages['rag_pipeline{tenant_id=acme}']!.count).toBe(report.stages.rag_pipeline!.count)

    // The budgets pass; whether the run is also trusted depends on how busy the machine is.
    const failed = report.budgets.filter((b) => !b.pass)
    expect(failed.map((b) => `${b.source}: ${b.actual} (${b.note ?? b.verdict})`)).toEqual([])
    expect(report.budget_verdict).toBe('pass')
    expect(report.budgets.every((b) => b.pass)).toBe(true)
    // Every guard of a closed-model run with mocked dependencies, and no open-model guard.
    expect(report.trust.guards.map((g) => g.name)).toEqual([
      'endpoint event-loop delay p99',
      'endpoint CPU (share of one core)',
      'driver event-loop delay p99',
      'driver CPU (share of one core)',
      'mock servers event-loop delay p99',
      'mock servers CPU (share of one core)',
      'spans started − ended',
      'request accounting',
      'mock fidelity: excess p50 (worst dependency)',
      'mock fidelity: excess p99 (worst dependency)',
      'client − server gap p50',
      'responses measured',
    ])
    expect(report.trust.guards.find((g) => g.name === 'request accounting')!.pass).toBe(true)
    expect(report.trust.guards.find((g) => g.name === 'spans started − ended')!.pass).toBe(true)
    // The harness's own span processing in the endpoint: some, and a part of its CPU time.
    const processing = report.trust.endpoint.span_processing!
    expect(processing.us_per_request).toBeGreaterThan(0)
    expect(processing.share_of_cpu).toBeGreaterThan(0)
    expect(processing.share_of_cpu).toBeLessThan(1)
  })
})

describe('the CLI', () => {
  it('exits 1 when a budget fails, and writes report.json and latest/', () => {
    const out = mkdtempSync(join(tmpdir(), 'harness-cli-'))
    const result = cli(['run', join(FIXTURES, 'good/fixed-latency-fail.yaml'), '--out', out, '--quiet'])
    expect(result.stderr).not.toMatch(/\n\s+at /) // no stack trace
    expect([1, 3]).toContain(result.status) // 3 only if this machine was too busy to trust the run
    const report = JSON.parse(readFileSync(join(out, 'fixed-latency-fail/latest/report.json'), 'utf8'))
    expect(report.budget_verdict).toBe('fail')
    expect(result.status).toBe(report.verdict === 'untrusted' ? 3 : 1)
    const failed = report.budgets.filter((b: { pass: boolean }) => !b.pass)
    expect(failed.map((b: { target: string; metric: string }) => `${b.target}.${b.metric}`)).toEqual([
      'llm_generation.p50',
    ])
  })

  it('applies --duration --warmup --connections --seed --sampler and prints the report with --json', () => {
    const out = mkdtempSync(join(tmpdir(), 'harness-cli-overrides-'))
    const result = cli([
      'run',
      join(FIXTURES, 'good/fixed-latency.yaml'),
      ...['--duration', '2s', '--warmup', '500ms', '--connections', '2', '--seed', '42'],
      ...['--sampler', 'ratio:0.5', '--json', '--out', out],
    ])
    // --json: stdout is the report and nothing else.
    const report = reportSchema.parse(JSON.parse(result.stdout))
    expect(report.overrides).toEqual({
      'load.duration': '2s',
      'load.warmup': '500ms',
      'load.connections': '2',
      seed: '42',
      'tracing.sampler': 'ratio(0.5)',
    })
    expect(report.scenario.seed).toBe(42)
    expect(report.warmup_s).toBe(0.5)
    expect(report.duration_s).toBeGreaterThanOrEqual(1.9)
    expect(report.duration_s).toBeLessThan(4)
    expect(report.load.connections).toBe(2)
    // Half the traces sampled: fewer server spans were measured than requests completed, but some.
    const serverSpans = report.stages['POST /ask']!.count
    expect(serverSpans).toBeGreaterThan(0)
    expect(serverSpans).toBeLessThan(report.client_latency_ms.count)
    // A 2 s run at two connections may leave budgets inconclusive (exit 1): the exit code is the
    // report's verdict, whatever it is.
    const exitFor = { pass: 0, fail: 1, untrusted: 3 } as const
    expect(result.status).toBe(exitFor[report.verdict])
  })

  it('exits 2 with every problem and no stack trace for an invalid scenario', () => {
    const result = cli(['validate', join(FIXTURES, 'bad/three-mistakes.yaml')])
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/Failed to load .*three-mistakes\.yaml: 3 problems/)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it('exits 2 for an unknown scenario name, suggesting the nearest one', () => {
    const result = cli(['run', 'rate-limt'])
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/Did you mean "rate-limit"/)
  })

  it('lists the shipped scenarios with their descriptions', () => {
    const result = cli(['run', '--list'])
    expect(result.status).toBe(0)
    for (const name of ['baseline', 'rate-limit', 'slow-vector-store', 'llm-timeout', 'cold-cache']) {
      expect(result.stdout).toContain(name)
    }
  })
})
