// What the trace analysis costs per trace: the StageCollector calls the analyzer when a request's
// server span reaches it (in the collector's deferred batches, in the endpoint). Measured per
// trace on synthetic pipeline traces (8 spans, as test/unit/analysis builds them): the first
// 10,000 traces all enter the breakdown reservoir (the costlier path), later ones mostly do not.
import { TraceAnalyzer } from '../src/analysis/trace-analyzer.ts'
import { pipelineTrace } from '../test/unit/analysis/fake-spans.ts'

export type AnalysisCost = { first_10k: Quantiles; after_10k: Quantiles; spans_per_trace: number }
type Quantiles = { p50_us: number; p99_us: number; p999_us: number; max_us: number }

function quantiles(values: number[]): Quantiles {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (p: number) => sorted[Math.floor(p * (sorted.length - 1))]!
  return { p50_us: at(0.5), p99_us: at(0.99), p999_us: at(0.999), max_us: at(1) }
}

export function measureAnalysisCost(traceCount = 60_000): AnalysisCost {
  const analyzer = new TraceAnalyzer({ seed: 1 })
  const traces = Array.from({ length: 2000 }, (_, i) =>
    pipelineTrace(i + 1, {
      auth: 2,
      rate: 1,
      embedding: 20 + (i % 7),
      search: 30 + (i % 11),
      rerank: 15,
      llm: 200 + (i % 13),
    }),
  )
  const micros: number[] = []
  for (let i = 0; i < traceCount; i++) {
    const start = performance.now()
    analyzer.observeTrace(traces[i % traces.length]!)
    micros.push((performance.now() - start) * 1000)
  }
  return {
    first_10k: quantiles(micros.slice(0, 10_000)),
    after_10k: quantiles(micros.slice(10_000)),
    spans_per_trace: traces[0]!.length,
  }
}
