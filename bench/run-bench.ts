// npm run bench: measures the harness itself on this machine and prints figures (no pass/fail
// in the test suite; targets from issue 4 are printed beside each figure).
//   (a) throughput ceiling of the full pipeline at zero mock latency (closed model);
//   (b) CPU per request of the endpoint with tracing off vs the harness collecting at always_on;
//   (c) peak RSS of the endpoint in a short vs a long run at the same rate;
//   (d) mock fidelity excess (p50, p99) at 25%, 50% and 75% of the ceiling.
// Usage: npm run bench [-- --quick]   (quick: shorter runs, for a smoke check)
import os from 'node:os'
import { join } from 'node:path'
import type { Report } from '../src/report/report-types.ts'
import { timestampDirName, writeFileAtomic } from '../src/report/write-report.ts'
import { runScenario } from '../src/run/run-scenario.ts'

const quick = process.argv.includes('--quick')
const sec = (s: number) => `${quick ? Math.max(2, Math.round(s / 4)) : s}s`

const FIXED_MS = 50
function scenario(name: string, load: object, latencyMs: number, sampler: string | object = 'always_on') {
  const fixed = { latency: { fixed: `${latencyMs}ms` } }
  return {
    name,
    seed: 3,
    load,
    requests: [
      { tenant: 'acme', api_key: 'key-acme', questions: { pool: 1_000_000, distribution: 'unique' } },
    ],
    tracing: { sampler },
    dependencies: { auth: fixed, embedding: fixed, vector_store: fixed, reranker: fixed, llm: fixed },
    // Nothing here is a service budget: the bench measures the instrument.
    budgets: {},
  }
}

function cpuPerRequestMs(report: Report): number {
  return report.endpoint_process.cpu_ms_per_request
}

async function run(label: string, input: object): Promise<Report> {
  process.stderr.write(`• ${label}…\n`)
  return runScenario(input)
}

const results: Record<string, unknown> = {}

// (a) Ceiling: zero latency, enough connections to keep the endpoint's core busy.
const ceilingReport = await run(
  'ceiling (zero latency, 32 connections)',
  scenario('bench-ceiling', { connections: 32, duration: sec(10), warmup: '2s' }, 0),
)
const ceilingRps = ceilingReport.load.rps
results.ceiling = {
  rps: ceilingRps,
  endpoint_cpu_share: ceilingReport.trust.endpoint.cpu_share,
  cpu_ms_per_request: cpuPerRequestMs(ceilingReport),
}

// (b) Harness tax: the same open-model rate with tracing off (always_off: no span reaches the
// collector) and collecting at always_on, alternated three times each (ABABAB), median of each.
const taxRate = Math.max(5, Math.round(ceilingRps * 0.4))
const off: number[] = []
const on: number[] = []
for (let i = 0; i < 3; i++) {
  for (const [sampler, into] of [
    ['always_off', off],
    ['always_on', on],
  ] as const) {
    const report = await run(
      `tax ${sampler} @ ${taxRate} req/s (${i + 1}/3)`,
      scenario(
        `bench-tax-${sampler.replace('_', '-')}`,
        { arrival: { rate: taxRate }, duration: sec(8), warmup: '2s' },
        0,
        sampler,
      ),
    )
    into.push(cpuPerRequestMs(report))
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
results.harness_tax = {
  rate_per_sec: taxRate,
  cpu_ms_per_request_off: off,
  cpu_ms_per_request_on: on,
  ratio_of_medians: median(on) / median(off),
}

// (c) Memory: peak RSS of the endpoint in a short and a long run at the same rate.
const memRate = Math.max(5, Math.round(ceilingRps * 0.3))
const short = await run(
  `memory: 20 s @ ${memRate} req/s`,
  scenario(
    'bench-mem-short',
    { arrival: { rate: memRate }, duration: quick ? '5s' : '20s', warmup: '2s' },
    20,
  ),
)
const long = await run(
  `memory: 120 s @ ${memRate} req/s`,
  scenario(
    'bench-mem-long',
    { arrival: { rate: memRate }, duration: quick ? '15s' : '120s', warmup: '2s' },
    20,
  ),
)
results.memory = {
  rate_per_sec: memRate,
  short_s: short.duration_s,
  long_s: long.duration_s,
  short_rss_peak_mb: short.endpoint_process.rss_peak_mb,
  long_rss_peak_mb: long.endpoint_process.rss_peak_mb,
  ratio: long.endpoint_process.rss_peak_mb / short.endpoint_process.rss_peak_mb,
}

// (d) Fidelity at fractions of the ceiling, fixed 50 ms per dependency (the prototype's set-up).
// The ceiling was measured at zero latency; with 50 ms mocks the CPU per request is the same, so
// the same rates load the endpoint's core to the same fraction.
type FidelityFigures = {
  fraction: number
  rate_per_sec: number
  stage_p50_excess_ms: number
  stage_p99_excess_ms: number
  mock_excess_p50_ms: number
  mock_excess_p99_ms: number
  client_minus_server_p50_ms: number
  gap_p50_ms: number
  endpoint_loop_delay_p99_ms: number
  endpoint_cpu_share: number
  trusted: string
}
const fidelity: FidelityFigures[] = []
for (const fraction of [0.25, 0.5, 0.75]) {
  const rate = Math.max(5, Math.round(ceilingRps * fraction))
  const report = await run(
    `fidelity @ ${fraction * 100}% of ceiling (${rate} req/s)`,
    scenario(
      `bench-fidelity-${fraction * 100}`,
      { arrival: { rate }, duration: sec(10), warmup: '2s' },
      FIXED_MS,
    ),
  )
  const stages = ['embedding_generation', 'vector_search', 'rerank', 'llm_generation'].map(
    (s) => report.stages[s]!,
  )
  fidelity.push({
    fraction,
    rate_per_sec: rate,
    stage_p50_excess_ms: Math.max(...stages.map((s) => s.p50_ms - FIXED_MS)),
    stage_p99_excess_ms: Math.max(...stages.map((s) => s.p99_ms - FIXED_MS)),
    mock_excess_p50_ms: Math.max(...report.trust.fidelity.map((f) => f.excess_p50_ms)),
    mock_excess_p99_ms: Math.max(...report.trust.fidelity.map((f) => f.excess_p99_ms)),
    client_minus_server_p50_ms: report.client_latency_ms.p50 - report.stages['POST /ask']!.p50_ms,
    gap_p50_ms: report.trust.client_server_gap_ms.p50_ms,
    endpoint_loop_delay_p99_ms: report.trust.endpoint.event_loop_delay_p99_ms,
    endpoint_cpu_share: report.trust.endpoint.cpu_share,
    trusted: report.trust.verdict,
  })
}
results.fidelity = fidelity

const machine = { cpu: os.cpus()[0]?.model.trim(), cores: os.cpus().length, node: process.version, quick }
const out = join('reports', 'bench', `${timestampDirName(new Date())}.json`)
await writeFileAtomic(out, `${JSON.stringify({ machine, ...results }, null, 2)}\n`)

const f = (n: number, d = 1) => n.toFixed(d)
const half = fidelity.find((r) => r.fraction === 0.5)!
console.log(`
Harness benchmark · ${machine.cpu} · ${machine.cores} cores · Node ${machine.node}${quick ? ' · QUICK' : ''}
  (a) ceiling, zero mock latency           ${f(ceilingRps)} req/s  (endpoint CPU ${f(cpuPerRequestMs(ceilingReport), 2)} ms/request)
  (b) harness tax, CPU/request on ÷ off     ${f(median(on) / median(off), 3)}  (on ${f(median(on), 2)} ms, off ${f(median(off), 2)} ms at ${taxRate} req/s; target ≤ 1.10)
  (c) peak RSS, long ÷ short run            ${f((results.memory as { ratio: number }).ratio, 3)}  (${f(long.endpoint_process.rss_peak_mb)} MB over ${f(long.duration_s, 0)} s vs ${f(short.endpoint_process.rss_peak_mb)} MB over ${f(short.duration_s, 0)} s; target ≤ 1.2)
  (d) fidelity, fixed ${FIXED_MS} ms per dependency:
      load        stage p50 excess   stage p99 excess   mock excess p50/p99   client−server p50   trust`)
for (const r of fidelity) {
  console.log(
    `      ${String(r.fraction * 100).padStart(3)}% ${String(r.rate_per_sec).padStart(5)}/s   ${f(r.stage_p50_excess_ms, 2).padStart(8)} ms        ${f(r.stage_p99_excess_ms, 2).padStart(8)} ms        ${f(r.mock_excess_p50_ms, 2)} / ${f(r.mock_excess_p99_ms, 2)} ms      ${f(r.gap_p50_ms, 2).padStart(6)} ms        ${r.trusted}`,
  )
}
console.log(
  `  targets at 50%: stage p50 excess ≤ 1.5 ms (got ${f(half.stage_p50_excess_ms, 2)}), p99 excess ≤ 5 ms (got ${f(half.stage_p99_excess_ms, 2)})`,
)
console.log(`\nWrote ${out}`)
