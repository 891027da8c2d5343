// Mock fidelity: the mocks know the latency model they were told to produce, and each call
// carries the latency drawn for it. Two views per dependency:
// - model vs measured quantiles (p50, p99) of successful calls' client spans: what a reader
//   compares by eye, subject to sampling noise at small counts;
// - the per-call excess (span duration − drawn latency): exact, noise-free, the harness's own
//   error at this load (client, transport, the mock's timers, event-loop queueing). The trust
//   guard uses this. Where the mock server reports how long it held each call, the excess is
//   split into the mock's lateness (held − drawn) and the transport and client (span − held).
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
  // The excess split (null where the mock did not report how long it held the call): the mock's
  // own lateness (held − drawn) and the transport's and client's share (span − held).
  lateness_p50_ms: number | null
  lateness_p99_ms: number | null
  transport_p50_ms: number | null
  transport_p99_ms: number | null
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
        lateness_p50_ms: m.lateness_ms?.p50 ?? null,
        lateness_p99_ms: m.lateness_ms?.p99 ?? null,
        transport_p50_ms: m.transport_ms?.p50 ?? null,
        transport_p99_ms: m.transport_ms?.p99 ?? null,
      }
    })
}
