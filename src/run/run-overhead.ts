// What tracing costs this pipeline on this machine: sampler arms compared in interleaved trials
// (ABC CBA … or a seeded shuffle per round) inside ONE endpoint process, after a discarded
// warm-up, at a fixed open-model rate below saturation. CPU per request is the primary metric
// (tracing costs microseconds against milliseconds of CPU per request); latency percentiles are
// secondary and usually inside the noise, which the report says when they are.
import type { InconclusivePolicy } from '../budget/evaluate-budgets.ts'
import type { Budget } from '../budget/parse-budget.ts'
import type { OverheadSection, TrialRecord } from '../contract/overhead-schema.ts'
import type { BudgetResult } from '../contract/report-types.ts'
import { runOpenLoad } from '../load/open-driver.ts'
import { createRequestMix } from '../load/request-mix.ts'
import { createRng } from '../rng.ts'
import type { OverheadConfig, Scenario } from '../scenario/schema.ts'
import { samplerLabel } from '../scenario/schema.ts'
import { compareArms, overheadVerdict, repeatsToSettle } from '../stats/compare-arms.ts'
import { summarizeDurations } from '../stats/stage-stats.ts'
import type { ArmStageStats } from './endpoint-protocol.ts'
import { startSystemUnderTest } from './system-under-test.ts'

export type { OverheadSection }

const METRICS = ['cpu_per_request', 'p50', 'p99', 'event_loop_delay_p99'] as const
type Metric = (typeof METRICS)[number]
const METRIC_OF: Record<Metric, (t: TrialRecord) => number> = {
  cpu_per_request: (t) => t.cpu_per_request_ms,
  p50: (t) => t.p50_ms,
  p99: (t) => t.p99_ms,
  event_loop_delay_p99: (t) => t.event_loop_delay_p99_ms,
}

export function trialOrder(
  arms: number,
  repeats: number,
  order: OverheadConfig['order'],
  seed: number,
): number[][] {
  const rng = createRng(seed)
  const base = Array.from({ length: arms }, (_, i) => i)
  return Array.from({ length: repeats }, (_, round) => {
    if (order === 'interleaved') return round % 2 === 0 ? [...base] : [...base].reverse()
    // Fisher–Yates with the seeded stream.
    const shuffled = [...base]
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1))
      ;[shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]
    }
    return shuffled
  })
}

export async function runOverhead(
  scenario: Scenario,
  // withCollector: the harness's StageCollector measures every span beside the arm recorder
  // (the harness tax in `npm run bench`); without it, arms pay only a cheap exporter's cost.
  options: { signal?: AbortSignal; onPhase?: (phase: string) => void; withCollector?: boolean } = {},
): Promise<OverheadSection> {
  const config = scenario.overhead!
  const system = await startSystemUnderTest(scenario, {
    mode: options.withCollector === true ? 'harness-tax' : 'overhead',
  })
  const host = system.endpoint
  const url = `http://127.0.0.1:${host.port}/ask`
  // Common random numbers (Law & Kelton, "Simulation Modeling and Analysis", ch. 11): every arm
  // of a round gets the same arrival times, the same questions and, with the mock servers
  // reseeded, the same drawn latencies and failures, so a paired difference measures the arms
  // and not the draws. (In-process mocks live in the endpoint and are not reseeded.)
  const drive = (durationMs: number, seed: number, ratePerSec = config.ratePerSec) =>
    runOpenLoad({
      url,
      arrival: { ratePerSec, distribution: 'poisson', maxInFlight: 1000 },
      durationMs,
      warmupMs: 0,
      requestTimeoutMs: scenario.load.requestTimeoutMs,
      mix: createRequestMix(scenario.requests, seed),
      seed,
      ...(options.signal ? { signal: options.signal } : {}),
    })
  const setArm = (arm: number) => {
    const a = config.arms[arm]!
    return host.request(
      { type: 'arm', arm, sampler: a.sampler, calibrationUs: a.calibrationUs },
      'arm-set',
      10_000,
    )
  }

  const trials: TrialRecord[] = []
  try {
    options.onPhase?.(`overhead: warm-up ${config.warmupMs / 1000}s (discarded)`)
    await setArm(0)
    // Twice the trial rate: the JIT and caches warm up per request, not per second.
    await drive(config.warmupMs, scenario.seed, config.ratePerSec * 2)
    const rounds = trialOrder(config.arms.length, config.repeats, config.order, scenario.seed)
    for (const [round, arms] of rounds.entries()) {
      for (const arm of arms) {
        if (options.signal?.aborted) break
        options.onPhase?.(`overhead: round ${round + 1}/${rounds.length}, arm ${config.arms[arm]!.label}`)
        await setArm(arm)
        const roundSeed = scenario.seed + round * 31
        await system.mocks?.reseed(roundSeed)
        await host.request({ type: 'trial-begin' }, 'trial-begun', 10_000)
        const mocksCpuBeforeMs = await system.mocks?.cpuMs()
        const client = await drive(config.trialMs, roundSeed)
        const { stats } = await host.request({ type: 'trial-end' }, 'trial-stats', 10_000)
        const mocksCpuAfterMs = await system.mocks?.cpuMs()
        const latency = summarizeDurations(client.latenciesMs, 0)
        const perRequest = (ms: number) => (stats.server_requests > 0 ? ms / stats.server_requests : 0)
        trials.push({
          arm,
          round,
          cpu_per_request_ms: perRequest(stats.cpu_ms),
          mocks_cpu_per_request_ms:
            mocksCpuBeforeMs !== undefined && mocksCpuAfterMs !== undefined
              ? perRequest(mocksCpuAfterMs - mocksCpuBeforeMs)
              : null,
          p50_ms: latency.p50_ms,
          p99_ms: latency.p99_ms,
          event_loop_delay_p99_ms: stats.event_loop_delay_p99_ms,
          rss_mb: stats.rss_mb,
          completed: client.completed,
        })
      }
    }
    const { arms: armStages } = await host.request({ type: 'arm-results' }, 'arm-results', 10_000)
    return summarise(scenario, config, trials, armStages, options.withCollector === true)
  } finally {
    await system.stop()
  }
}

function summarise(
  scenario: Scenario,
  config: OverheadConfig,
  trials: TrialRecord[],
  armStages: Record<number, ArmStageStats>,
  withCollector: boolean,
): OverheadSection {
  const { comparisons, notes, enough } = compareArmsToBaseline(scenario, config, trials)
  return {
    separation: `one endpoint process for every arm${withCollector ? ", with the harness's StageCollector measuring every recorded span as in a run" : ''}; the sampler is switched between trials through a delegating sampler, so process-to-process noise is not part of the comparison; arms are compared round by round (paired), every arm of a round with the same arrivals, questions${scenario.mocks.transport === 'http' ? ' and mock draws (common random numbers)' : ' (in-process mocks: their draws are not replayed)'} from an empty embedding cache`,
    order: config.order === 'interleaved' ? 'interleaved (ABC CBA …)' : 'seeded random order per round',
    rate_per_sec: config.ratePerSec,
    repeats: config.repeats,
    trial_s: config.trialMs / 1000,
    warmup_s: config.warmupMs / 1000,
    arms: config.arms.map((a, index) => ({
      index,
      label: a.label,
      sampler: samplerLabel(a.sampler),
      calibration_us: a.calibrationUs,
      baseline: index === 0,
    })),
    trials,
    comparisons,
    verdicts: overheadVerdicts(scenario, config, comparisons),
    calibration: enough ? calibrationRows(config, comparisons) : [],
    precision: precisionRows(config, armStages),
    precision_target: config.precisionTarget,
    notes,
  }
}

// Every arm against arm 0, metric by metric, paired by round (rounds where either arm is
// missing are left out).
function compareArmsToBaseline(
  scenario: Scenario,
  config: OverheadConfig,
  trials: TrialRecord[],
): { comparisons: OverheadSection['comparisons']; notes: string[]; enough: boolean } {
  const completeRounds = [...new Set(trials.map((t) => t.round))].filter((round) =>
    config.arms.every((_, arm) => trials.some((t) => t.round === round && t.arm === arm)),
  )
  const byArm = <T>(arm: number, of: (t: TrialRecord) => T): T[] =>
    completeRounds.map((round) => of(trials.find((t) => t.round === round && t.arm === arm)!))
  // The mocks' CPU per request in every complete round, when every trial has it (http mocks).
  const mocksCpu = (arm: number): number[] | undefined => {
    const values = byArm(arm, (t) => t.mocks_cpu_per_request_ms)
    return values.every((v): v is number => typeof v === 'number') ? values : undefined
  }
  const notes: string[] = []
  const comparisons: OverheadSection['comparisons'] = []
  const enough = completeRounds.length >= 2
  if (enough) {
    const baselineMocksCpu = mocksCpu(0)
    for (let arm = 1; arm < config.arms.length; arm++) {
      // CPU per request is adjusted for the mocks' CPU per request in the same trial (CUPED,
      // see stats/compare-arms.ts): the mocks do the same work whatever the endpoint's sampler,
      // so what moves their CPU time from trial to trial is the VM, which moves the endpoint's too.
      const armMocksCpu = mocksCpu(arm)
      const covariate =
        armMocksCpu && baselineMocksCpu
          ? { name: 'mocks_cpu_per_request', arm: armMocksCpu, baseline: baselineMocksCpu }
          : undefined
      for (const metric of METRICS) {
        const c = compareArms(byArm(arm, METRIC_OF[metric]), byArm(0, METRIC_OF[metric]), {
          seed: scenario.seed + arm,
          paired: true,
          ...(metric === 'cpu_per_request' && covariate ? { covariate } : {}),
        })
        const withinNoise = c.ci95[0] <= 0 && c.ci95[1] >= 0
        comparisons.push({ ...c, arm: config.arms[arm]!.label, metric, within_noise: withinNoise })
        if (metric !== 'cpu_per_request' && withinNoise) {
          notes.push(
            `${metric} of ${config.arms[arm]!.label}: the difference is inside the noise (its 95% interval includes 0).`,
          )
        }
      }
    }
  } else {
    notes.push('Too few trials completed to compare arms (interrupted?).')
  }
  return { comparisons, notes, enough }
}

// The sampling_overhead budgets judge the arm that runs the scenario's own sampler, uncalibrated.
function overheadVerdicts(
  scenario: Scenario,
  config: OverheadConfig,
  comparisons: OverheadSection['comparisons'],
): OverheadSection['verdicts'] {
  const ownArm = config.arms.findIndex(
    (a, i) =>
      i > 0 && a.calibrationUs === 0 && samplerLabel(a.sampler) === samplerLabel(scenario.tracing.sampler),
  )
  const verdicts: OverheadSection['verdicts'] = []
  for (const budget of scenario.budgets.filter((b) => b.kind === 'sampling_overhead')) {
    const c = comparisons.find((x) => x.arm === config.arms[ownArm]?.label && x.metric === budget.metric)
    if (!c) continue
    verdicts.push({
      metric: budget.metric,
      limit: budget.limit,
      arm: c.arm,
      verdict: overheadVerdict(c, budget.limit),
      repeats_to_settle: repeatsToSettle(c, budget.limit),
    })
  }
  return verdicts
}

// Each calibration arm: the CPU cost it injected against the difference measured.
function calibrationRows(
  config: OverheadConfig,
  comparisons: OverheadSection['comparisons'],
): OverheadSection['calibration'] {
  return config.arms.flatMap((a) => {
    if (a.calibrationUs === 0) return []
    const c = comparisons.find((x) => x.arm === a.label && x.metric === 'cpu_per_request')!
    const injectedMs = a.calibrationUs / 1000
    return [
      {
        arm: a.label,
        injected_ms: injectedMs,
        measured_ms: c.difference,
        ci95_ms: c.difference_ci95,
        within_ci: c.difference_ci95[0] <= injectedMs && injectedMs <= c.difference_ci95[1],
      },
    ]
  })
}

// Precision cost of sampling: the p99 interval at each arm's span count, and how long a run at
// this rate would need for p99 ± target (the interval's width shrinks as 1/√n).
function precisionRows(
  config: OverheadConfig,
  armStages: Record<number, ArmStageStats>,
): OverheadSection['precision'] {
  const measuredS = (config.repeats * config.trialMs) / 1000
  return Object.entries(armStages).flatMap(([armIndex, stages]) =>
    Object.entries(stages).map(([stage, s]) => {
      const halfWidthPct =
        s.p99_ci_ms && s.p99_ms > 0 ? (s.p99_ci_ms[1] - s.p99_ci_ms[0]) / 2 / s.p99_ms : null
      const perSecond = s.count / measuredS
      const neededCount =
        halfWidthPct !== null ? s.count * (halfWidthPct / config.precisionTarget) ** 2 : null
      return {
        arm: config.arms[Number(armIndex)]!.label,
        stage,
        count: s.count,
        p99_ms: s.p99_ms,
        p99_ci_ms: s.p99_ci_ms,
        half_width_pct: halfWidthPct,
        run_s_for_target: neededCount !== null && perSecond > 0 ? neededCount / perSecond : null,
      }
    }),
  )
}

// The sampling_overhead budget lines, in the shape of every other budget result. An
// inconclusive line does not pass: the budget was not shown to hold (unless the caller asks for
// inconclusive budgets to be warnings, as the nightly suite's --quick does).
export function overheadBudgetResults(
  budgets: readonly Budget[],
  section: OverheadSection | undefined,
  inconclusive: InconclusivePolicy = 'fail',
): BudgetResult[] {
  return budgets
    .filter((b) => b.target === 'sampling_overhead')
    .map((budget) => {
      const verdict = section?.verdicts.find((v) => v.metric === budget.metric)
      const comparison = section?.comparisons.find(
        (c) => c.arm === verdict?.arm && c.metric === budget.metric,
      )
      if (!verdict || !comparison) {
        return {
          target: budget.target,
          metric: budget.metric,
          limit: budget.limit,
          actual: null,
          unit: 'ratio',
          pass: false,
          verdict: 'fail' as const,
          source: budget.source,
          note: 'not measured (no overhead trials)',
        }
      }
      const [low, high] = comparison.ci95
      const pct = (x: number) => `${(x * 100).toFixed(1)}%`
      return {
        target: budget.target,
        metric: budget.metric,
        limit: budget.limit,
        actual: comparison.effect,
        unit: 'ratio',
        pass: verdict.verdict === 'pass' || (verdict.verdict === 'inconclusive' && inconclusive === 'warn'),
        verdict: verdict.verdict,
        ci: { level: 0.95, low, high, method: 'bootstrap over paired rounds (expanded percentile)' },
        source: budget.source,
        note: `${verdict.arm} vs ${section!.arms[0]!.label}: 95% CI [${pct(low)}, ${pct(high)}] → ${verdict.verdict}${
          verdict.repeats_to_settle
            ? `; about ${verdict.repeats_to_settle} repeats per arm would probably settle it`
            : ''
        }`,
      }
    })
}
