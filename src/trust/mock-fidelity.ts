// Mock fidelity: the mocks know the latency model they were told to produce, and each call
// carries the latency drawn for it. Two views per dependency:
// - model vs measured quantiles (p50, p99) of successful calls' client spans: what a reader
//   compares by eye, subject to sampling noise at small counts;
// - the per-call excess (span duration − drawn latency): exact, noise-free, the harness's own
//   error at this load (fetch, msw interception, event-loop queueing). The trust guard uses this.
import { modelQuantileMs } from '../mocks/latency-model.ts'
import type { Dependencies, DependencyName } from '../scenario/schema.ts'
import type { DependencyFidelity } from '../telemetry/stage-collector.ts'

export type FidelityRow = {
  dependency: string
  calls: number
  model_p50_ms: number
  model_p99_ms: number
  measured_p50_ms: number
  measured_p99_ms: number
  excess_p50_ms: number
  excess_p99_ms: number
  excess_max_ms: number
}

export function fidelityTable(
  dependencies: Dependencies,
  measured: Record<string, DependencyFidelity>,
): FidelityRow[] {
  return Object.entries(measured)
    .filter(([name, m]) => name in dependencies && m.calls > 0)
    .map(([name, m]) => {
      const model = dependencies[name as DependencyName].latency
      return {
        dependency: name,
        calls: m.calls,
        model_p50_ms: modelQuantileMs(model, 0.5),
        model_p99_ms: modelQuantileMs(model, 0.99),
        measured_p50_ms: m.measured.p50_ms,
        measured_p99_ms: m.measured.p99_ms,
        excess_p50_ms: m.excess_ms.p50,
        excess_p99_ms: m.excess_ms.p99,
        excess_max_ms: m.excess_ms.max,
      }
    })
}
