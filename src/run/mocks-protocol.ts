// Messages between the harness (parent) and a mock servers' process (child) over IPC.
import type { MockCallCounts, MockCallRecord } from '../contract/mock-call.ts'
import type { Dependencies, DependencyName } from '../scenario/schema.ts'
import type { ProcessStats } from './process-meter.ts'

export type ToMocks =
  | {
      type: 'start'
      dependencies: Dependencies
      names: DependencyName[]
      seed: number
      apiKeys: [string, string][]
      // A team's service (target:): report each answered call (mock-call-log.ts).
      reportCalls?: boolean
    }
  | { type: 'measure' }
  | { type: 'stats' }
  // CPU time so far (user + system), without the collection `stats` forces: read around each
  // overhead trial, where it is the covariate of the endpoint's CPU per request.
  | { type: 'cpu' }
  // Restart the mocks' random streams (overhead trials: the same draws for every arm of a round).
  | { type: 'reseed'; seed: number }
  // Send the calls not yet reported, then the counts.
  | { type: 'flush-calls' }

export type MocksProcessStats = ProcessStats & { heap_used_after_gc_mb: number | null }

export type FromMocks =
  | { type: 'ready'; ports: Partial<Record<DependencyName, number>>; pid: number }
  | { type: 'measuring' }
  | { type: 'reseeded' }
  | { type: 'stats'; stats: MocksProcessStats }
  | { type: 'cpu'; cpu_ms: number }
  | { type: 'failed'; message: string }
  // Unsolicited, every CALLS_INTERVAL_MS while calls come (reportCalls).
  | { type: 'calls'; calls: MockCallRecord[] }
  | { type: 'calls-flushed'; counts: MockCallCounts; dropped: number }
