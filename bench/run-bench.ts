// npm run bench: measures the harness itself on this machine, both mock transports in the same
// run, and prints each figure beside its target (issue 10) as a ratio or an excess from this one
// run. Figures, not pass/fail: nothing here fails the test suite.
//   ceiling      closed model, zero mock latency, per transport: req/s and endpoint CPU/request;
//   fidelity     open model at 25% and 50% of the http ceiling, fixed 50 ms per dependency: stage
//                excess over 50 ms, mock lateness (held − drawn), client − server p50;
//   harness tax  always_on + collector vs always_off, CPU per request, interleaved paired 1 s trials
//                in one endpoint process with a bootstrap 95% interval (the overhead method);
//   memory       peak RSS per process, a 120 s vs a 20 s run at 50% of the ceiling, and heap
//                after a forced GC at the end of each;
//   streams      streamed TTFT against fixed models, and an independent reader beside the driver;
//   receiver     the OTLP receiver's CPU per span (a team's service, target:).
//   cpu speed    how much the CPU time of fixed work varies per second beside the tax run.
// Usage: npm run bench [-- --quick]   (quick: shorter runs, for a smoke check; figures are noisier)

import os from 'node:os'
import { join } from 'node:path'
import type { Report } from '../src/contract/report-types.ts'
import { timestampDirName, writeFileAtomic } from '../src/report/write-report.ts'
import { type RunOptions, runScenario } from '../src/run/run-scenario.ts'
import { measureAnalysisCost } from './analysis-cost.ts'
import { startCpuSpeedProbe } from './cpu-speed-probe.ts'
import { measureReceiverCost } from './otlp-receiver.ts'
import { type ProbeQuantiles, startSchedulerProbe } from './scheduler-probe.ts'
import { measureStreamTtft } from './stream-ttft.ts'

const quick = process.argv.includes('--quick')
const sec = (s: number) => `${quick ? Math.max(3, Math.round(s / 4)) : s}s`
type Transport = 'http' | 'in-process'

const FIXED_MS = 50
function scenario(
  name: string,
  load: object,
  latencyMs: number,
  transport: Transport,
  extra: Record<string, unknown> = {},
) {
  const fixed = { latency: { fixed: `${latencyMs}ms` } }
  return {
    name,
    seed: 3,
    load,
    requests: [
      { tenant: 'acme', api_key: 'key-acme', questions: { pool: 1_000_000, distribution: 'unique' } },
    ],
    tracing: { sampler: 'always_on' },
    dependencies: { auth: fixed, embedding: fixed, vector_store: fixed, reranker: fixed, llm: fixed },
    mocks: { transport },
    // Nothing here is a service budget: the bench measures the instrument.
    budgets: {},
    ...extra,
  }
}

async function run(label: string, input: object, options: RunOptions = {}): Promise<Report> {
  process.stderr.write(`• ${label}…\n`)
  return runScenario(input, options)
}

// ── Ceiling ─────────────────────────────────────────────────────────────────────────────────
type Ceiling = {
  rps: number
  cpu_ms_per_request: number
  endpoint_cpu_share: number
  mocks_cpu_share: number | null
  driver_cpu_share: number
  driver: string
}
async function ceiling(transport: Transport, options: RunOptions = {}): Promise<Ceiling> {
  const driver = options.streamingDriver ? ', streaming driver' : ''
  const report = await run(
    `ceiling, ${transport}${driver} (zero latency, 64 connections)`,
    scenario(
      `bench-ceiling-${transport}`,
      { connections: 64, duration: sec(10), warmup: '3s' },
      0,
      transport,
    ),
    options,
  )
  return {
    rps: report.load.rps,
    driver_cpu_share: report.trust.driver.cpu_share,
    driver: report.load.driver,
    cpu_ms_per_request: report.endpoint_process.cpu_ms_per_request,
    endpoint_cpu_share: report.trust.endpoint.cpu_share,
    mocks_cpu_share: report.trust.mocks ? Math.max(...report.trust.mocks.map((m) => m.cpu_share)) : null,
  }
}
const ceilings = { 'in-process': await ceiling('in-process'), http: await ceiling('http') }
// The closed model's two drivers on the same non-streamed load: autocannon (above) and the
// streaming driver, which closed-model runs with streamed requests use.
const streamingDriverCeiling = await ceiling('http', { streamingDriver: true })

// ── Fidelity ────────────────────────────────────────────────────────────────────────────────
const STAGES = ['embedding_generation', 'vector_search', 'rerank', 'llm_generation']
type Fidelity = {
  transport: Transport
  fraction: number
  rate_per_sec: number
  stage_p50_excess_ms: number
  stage_p99_excess_ms: number
  lateness_p50_ms: number | null
  lateness_p99_ms: number | null
  transport_p50_ms: number | null
  client_minus_server_p50_ms: number
  // The open driver's actual − intended send time: charged to client latency.
  send_lag_p50_ms: number | null
  send_lag_p99_ms: number | null
  endpoint_loop_delay_p99_ms: number
  // Time inside the harness's span processors in the endpoint (trust.endpoint.span_processing).
  span_processing: { us_per_request: number; share_of_cpu: number } | null
  // The scheduler probe's wake-up lateness over the same measured window (scheduler-probe.ts).
  scheduler_floor: ProbeQuantiles
  trust: string
}
async function fidelity(transport: Transport, fraction: number): Promise<Fidelity> {
  const rate = Math.max(5, Math.round(ceilings.http.rps * fraction))
  let probe: ReturnType<typeof startSchedulerProbe> | undefined
  let warmup: NodeJS.Timeout | undefined
  const report = await run(
    `fidelity, ${transport}, ${fraction * 100}% of the http ceiling (${rate} req/s)`,
    scenario(
      `bench-fidelity-${transport}-${fraction * 100}`,
      { arrival: { rate, max_in_flight: 5000 }, duration: sec(15), warmup: '3s' },
      FIXED_MS,
      transport,
    ),
    {
      // The probe runs over the measured window only: from the end of warm-up to the end of load.
      onPhase: (phase) => {
        if (phase === 'driving load') warmup = setTimeout(() => (probe = startSchedulerProbe()), 3000)
      },
    },
  )
  clearTimeout(warmup)
  if (!probe) throw new Error(`Failed to run the scheduler probe beside the ${transport} fidelity run.`)
  const schedulerFloor = await probe.stop()
  const stages = STAGES.map((s) => report.stages[s]!)
  const worst = (pick: (f: Report['trust']['fidelity'][number]) => number | null | undefined) => {
    const values = report.trust.fidelity.map(pick).filter((v): v is number => typeof v === 'number')
    return values.length > 0 ? Math.max(...values) : null
  }
  return {
    transport,
    fraction,
    rate_per_sec: rate,
    stage_p50_excess_ms: Math.max(...stages.map((s) => s.p50_ms - FIXED_MS)),
    stage_p99_excess_ms: Math.max(...stages.map((s) => s.p99_ms - FIXED_MS)),
    lateness_p50_ms: worst((f) => f.lateness_p50_ms),
    lateness_p99_ms: worst((f) => f.lateness_p99_ms),
    transport_p50_ms: worst((f) => f.transport_p50_ms),
    client_minus_server_p50_ms: report.client_latency_ms.p50 - report.stages['POST /ask']!.p50_ms,
    endpoint_loop_delay_p99_ms: report.trust.endpoint.event_loop_delay_p99_ms,
    span_processing: report.trust.endpoint.span_processing ?? null,
    scheduler_floor: schedulerFloor,
    send_lag_p50_ms: report.trust.schedule_lag_ms?.p50 ?? null,
    send_lag_p99_ms: report.trust.schedule_lag_ms?.p99 ?? null,
    trust: report.trust.verdict === 'trusted' ? 'trusted' : `untrusted: ${report.trust.reasons.join('; ')}`,
  }
}
const fidelities = [
  await fidelity('http', 0.25),
  await fidelity('http', 0.5),
  await fidelity('in-process', 0.25),
]
const at = (transport: Transport, fraction: number) =>
  fidelities.find((f) => f.transport === transport && f.fraction === fraction)!

// ── Harness tax ─────────────────────────────────────────────────────────────────────────────
// The sampling-overhead method with two arms: tracing off, and always_on with the collector,
// in the shipped scenario's trial design (1 s trials). Beside it, the CPU-speed probe measures how
// much CPU time a fixed unit of work itself varies from one second to the next meanwhile.
const taxRate = Math.max(5, Math.round(ceilings.http.rps * 0.25))
const speedProbe = startCpuSpeedProbe()
const taxReport = await run(
  `harness tax: always_off vs always_on at ${taxRate} req/s, interleaved trials`,
  scenario('bench-tax', { arrival: { rate: taxRate }, duration: '2s', warmup: '1s' }, 0, 'http', {
    tracing: { sampler: 'always_on' },
    overhead: {
      arms: ['always_off', 'always_on'],
      repeats: quick ? 3 : 50,
      trial: quick ? '2s' : '1s',
      warmup: '5s',
      rate: taxRate,
    },
  }),
  // The StageCollector measures every span in the always_on arm, as in a run: its cost is part
  // of the tax (without this, overhead trials record spans in the cheap per-arm recorder only).
  { overheadWithCollector: true },
)
const taxCpu = taxReport.overhead!.comparisons.find((c) => c.metric === 'cpu_per_request')!
const cpuSpeed = await speedProbe.stop()

// ── Memory ──────────────────────────────────────────────────────────────────────────────────
// A bounded question pool: with unique questions the service's own embedding cache (10,000
// entries of 256 floats, ~25 MB, by design) fills over the long run and would be measured instead
// of the harness.
const memRate = Math.max(5, Math.round(ceilings.http.rps * 0.5))
const memoryRun = (seconds: number) =>
  run(
    `memory: ${seconds} s at ${memRate} req/s (50% of the http ceiling)`,
    scenario(
      `bench-memory-${seconds}`,
      { arrival: { rate: memRate, max_in_flight: 5000 }, duration: `${seconds}s`, warmup: '3s' },
      20,
      'http',
      {
        requests: [{ tenant: 'acme', api_key: 'key-acme', questions: { pool: 500, distribution: 'zipf' } }],
      },
    ),
  )
const shortRun = await memoryRun(quick ? 5 : 20)
const longRun = await memoryRun(quick ? 30 : 120)
const memoryOf = (r: Report) => ({
  duration_s: r.duration_s,
  endpoint_rss_peak_mb: r.endpoint_process.rss_peak_mb,
  endpoint_heap_after_gc_mb: r.endpoint_process.heap_used_after_gc_mb ?? 0,
  mocks_rss_peak_mb: Math.max(...(r.trust.mocks ?? []).map((m) => m.rss_peak_mb)),
  mocks_heap_after_gc_mb: Math.max(...(r.trust.mocks ?? []).map((m) => m.heap_used_after_gc_mb ?? 0)),
})
const memory = { rate_per_sec: memRate, short: memoryOf(shortRun), long: memoryOf(longRun) }

// The trace analysis runs inside span.end() on the endpoint's request path: its cost per trace.
const analysisCost = measureAnalysisCost()
// Streamed answers: what the harness adds before the first token at low load (issue 13).
const streamTtft = await measureStreamTtft(quick ? 4000 : 12_000)
// A team's service (target:): what the OTLP receiver costs per span it takes in.
process.stderr.write('• OTLP receiver: the real proto exporter to the receiver vs a plain sink…\n')
const receiverCost = await measureReceiverCost(quick ? 3 : 7)

// ── Output ──────────────────────────────────────────────────────────────────────────────────
const machine = {
  cpu: os.cpus()[0]?.model.trim(),
  cores: os.cpus().length,
  memory_gib: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  quick,
}
const out = join('reports', 'bench', `${timestampDirName(new Date())}.json`)
await writeFileAtomic(
  out,
  `${JSON.stringify({ machine, ceilings, streaming_driver_ceiling: streamingDriverCeiling, fidelities, harness_tax: taxCpu, cpu_speed: cpuSpeed, memory, analysis_cost: analysisCost, stream_ttft: streamTtft, otlp_receiver: receiverCost }, null, 2)}\n`,
)

const f = (n: number | null, d = 2) => (n === null ? 'n/a' : n.toFixed(d))
// 'undecided': the point meets the target but its 95% interval straddles it.
type Mark = boolean | null | 'undecided'
const mark = (ok: Mark) => (ok === null ? '' : ok === 'undecided' ? 'undecided' : ok ? 'met' : 'NOT MET')
const cpuRatio = ceilings.http.cpu_ms_per_request / ceilings['in-process'].cpu_ms_per_request
const ceilingRatio = ceilings.http.rps / ceilings['in-process'].rps
const half = at('http', 0.5)
const quarter = at('http', 0.25)
const [taxLo, taxHi] = taxCpu.ci95
const endpointRss = memory.long.endpoint_rss_peak_mb / memory.short.endpoint_rss_peak_mb
const mocksRss = memory.long.mocks_rss_peak_mb / memory.short.mocks_rss_peak_mb
const driverCpuPerRequest = (c: Ceiling) => (c.driver_cpu_share * 1000) / c.rps
// A row without a target (null) is a figure to read, not a goal.
const rows: [string, string, string, Mark][] = [
  [
    'endpoint CPU/request, zero latency, http ÷ in-process',
    `${f(cpuRatio, 3)} (${f(ceilings.http.cpu_ms_per_request)} vs ${f(ceilings['in-process'].cpu_ms_per_request)} ms)`,
    '≤ 0.35',
    cpuRatio <= 0.35,
  ],
  [
    'ceiling, closed model, http ÷ in-process',
    `${f(ceilingRatio, 2)} (${f(ceilings.http.rps, 0)} vs ${f(ceilings['in-process'].rps, 0)} req/s)`,
    '≥ 2.0',
    ceilingRatio >= 2,
  ],
  [
    `stage excess p50 / p99 at 50% (${half.rate_per_sec}/s)`,
    `${f(half.stage_p50_excess_ms)} / ${f(half.stage_p99_excess_ms)} ms`,
    '≤ 1.0 / ≤ 4.0 ms',
    half.stage_p50_excess_ms <= 1 && half.stage_p99_excess_ms <= 4,
  ],
  [
    `stage excess p50 / p99 at 25% (${quarter.rate_per_sec}/s)`,
    `${f(quarter.stage_p50_excess_ms)} / ${f(quarter.stage_p99_excess_ms)} ms`,
    '≤ 0.7 / ≤ 3.0 ms',
    quarter.stage_p50_excess_ms <= 0.7 && quarter.stage_p99_excess_ms <= 3,
  ],
  [
    'mock lateness (held − drawn) p99 at 50%',
    `${f(half.lateness_p99_ms)} ms`,
    '≤ 0.5 ms',
    half.lateness_p99_ms !== null && half.lateness_p99_ms <= 0.5,
  ],
  [
    'scheduler floor at 50%: a bare timer thread wakes late by, p99',
    `${f(half.scheduler_floor.p99_ms)} ms (p50 ${f(half.scheduler_floor.p50_ms)}, at 25%: p99 ${f(quarter.scheduler_floor.p99_ms)})`,
    'no target',
    null,
  ],
  [
    'client p50 − server root p50 at 25%',
    `${f(quarter.client_minus_server_p50_ms)} ms`,
    '≤ 1.0 ms',
    quarter.client_minus_server_p50_ms <= 1,
  ],
  [
    `harness tax, CPU/request on ÷ off (${taxRate}/s)`,
    `${f(taxCpu.ratio, 3)} [95%: ${f(1 + taxLo, 3)}, ${f(1 + taxHi, 3)}]${
      taxCpu.covariate
        ? ` (adjusted for the mocks' CPU, r² ${f(taxCpu.covariate.variance_explained, 2)}; unadjusted [${f(1 + taxCpu.covariate.unadjusted_ci95[0], 3)}, ${f(1 + taxCpu.covariate.unadjusted_ci95[1], 3)}])`
        : ''
    }`,
    '≤ 1.05, interval',
    1 + taxHi <= 1.05 ? true : taxCpu.ratio <= 1.05 ? 'undecided' : false,
  ],
  [
    "the harness's span processing in the endpoint at 25% (collector, trace analysis; part of the tax)",
    quarter.span_processing
      ? `${f(quarter.span_processing.us_per_request, 0)} µs/request, ${f(quarter.span_processing.share_of_cpu * 100, 1)}% of its CPU`
      : 'not measured',
    'no target',
    null,
  ],
  [
    'CPU time of fixed work per 1 s window, beside the tax run: CV, arithmetic / allocating',
    `${f(cpuSpeed.arithmetic.cv * 100, 1)}% / ${f(cpuSpeed.allocating.cv * 100, 1)}% (next-window log sd ${f(cpuSpeed.arithmetic.successive_log_sd * 100, 1)}% / ${f(cpuSpeed.allocating.successive_log_sd * 100, 1)}%)`,
    'no target',
    null,
  ],
  [
    `peak RSS ${f(memory.long.duration_s, 0)} s ÷ ${f(memory.short.duration_s, 0)} s, endpoint / mocks`,
    `${f(endpointRss, 3)} / ${f(mocksRss, 3)}`,
    '≤ 1.10',
    endpointRss <= 1.1 && mocksRss <= 1.1,
  ],
  [
    'streamed TTFT p50 − (pre-LLM p50 + 200 ms), 4 req/s',
    `${f(streamTtft.excess_p50_ms)} ms (ITL p50 ${f(streamTtft.itl_p50_ms)} ms)`,
    '≤ 3 ms',
    streamTtft.excess_p50_ms <= 3,
  ],
  [
    'closed drivers at the http ceiling, streaming ÷ autocannon: req/s, driver CPU/request',
    `${f(streamingDriverCeiling.rps / ceilings.http.rps, 2)}, ${f(driverCpuPerRequest(streamingDriverCeiling) / driverCpuPerRequest(ceilings.http), 2)} (${f(streamingDriverCeiling.rps, 0)} vs ${f(ceilings.http.rps, 0)} req/s)`,
    'no target',
    null,
  ],
  [
    'OTLP receiver (target:), CPU per span received: decode, convert, collect',
    `${f(receiverCost.receiver_us_per_span, 1)} µs (${receiverCost.spans_per_round} spans × ${receiverCost.rounds} rounds)`,
    'no target',
    null,
  ],
  [
    `streamed TTFT p50, independent reader − driver (${streamTtft.reader_count} reads)`,
    `${f(streamTtft.reader_minus_driver_p50_ms)} ms`,
    '|…| ≤ 2 ms',
    Math.abs(streamTtft.reader_minus_driver_p50_ms) <= 2,
  ],
]
const width = Math.max(...rows.map((r) => r[0].length))
console.log(
  `\nHarness benchmark · ${machine.cpu} · ${machine.cores} cores · ${machine.memory_gib} GiB · Node ${machine.node}${quick ? ' · QUICK' : ''}\n`,
)
for (const [name, figure, target, ok] of rows) {
  console.log(`  ${name.padEnd(width)}  ${figure.padEnd(34)} ${target.padEnd(18)} ${mark(ok)}`)
}
console.log('\n  fidelity detail (fixed 50 ms per dependency):')
console.log(
  '    transport    load   stage p50/p99 excess   lateness p50/p99   scheduler floor p50/p99/p99.9   transport p50   client−server p50   send lag p50/p99   trust',
)
for (const r of fidelities) {
  console.log(
    `    ${r.transport.padEnd(11)} ${String(r.fraction * 100).padStart(3)}%   ${f(r.stage_p50_excess_ms).padStart(6)} / ${f(r.stage_p99_excess_ms).padEnd(6)} ms     ${f(r.lateness_p50_ms)} / ${f(r.lateness_p99_ms)} ms     ${f(r.scheduler_floor.p50_ms)} / ${f(r.scheduler_floor.p99_ms)} / ${f(r.scheduler_floor.p999_ms)} ms       ${f(r.transport_p50_ms)} ms         ${f(r.client_minus_server_p50_ms)} ms      ${f(r.send_lag_p50_ms)} / ${f(r.send_lag_p99_ms)} ms      ${r.trust}`,
  )
}
console.log(
  `  ceilings: in-process endpoint CPU ${f(ceilings['in-process'].endpoint_cpu_share * 100, 0)}%; http endpoint CPU ${f(ceilings.http.endpoint_cpu_share * 100, 0)}%, mocks CPU ${f((ceilings.http.mocks_cpu_share ?? 0) * 100, 0)}%`,
)
console.log(
  `  memory at ${memRate}/s: endpoint RSS ${f(memory.short.endpoint_rss_peak_mb, 0)} → ${f(memory.long.endpoint_rss_peak_mb, 0)} MB, heap after GC ${f(memory.short.endpoint_heap_after_gc_mb, 1)} → ${f(memory.long.endpoint_heap_after_gc_mb, 1)} MB; mocks RSS ${f(memory.short.mocks_rss_peak_mb, 0)} → ${f(memory.long.mocks_rss_peak_mb, 0)} MB, heap after GC ${f(memory.short.mocks_heap_after_gc_mb, 1)} → ${f(memory.long.mocks_heap_after_gc_mb, 1)} MB`,
)
const cost = (q: { p50_us: number; p99_us: number; max_us: number }) =>
  `p50 ${f(q.p50_us, 1)} µs, p99 ${f(q.p99_us, 1)} µs, max ${f(q.max_us, 0)} µs`
console.log(
  `  trace analysis per trace, synthetic ${analysisCost.spans_per_trace}-span traces in a hot loop (a lower bound: a run's real traces carry more spans and attributes; the span-processing row above is the figure from a run): first 10k ${cost(analysisCost.first_10k)}; after ${cost(analysisCost.after_10k)}`,
)
console.log(`\nWrote ${out}`)
