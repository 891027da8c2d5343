// Messages between the harness (parent) and a mock servers' process (child) over IPC.
import type { Dependencies, DependencyName } from '../scenario/schema.ts'
import type { ProcessStats } from './process-meter.ts'

export type ToMocks =
  | {
      type: 'start'
      dependencies: Dependencies
      names: DependencyName[]
      seed: number
      apiKeys: [string, string][]
    }
  | { type: 'measure' }
  | { type: 'stats' }
  // Restart the mocks' random streams (overhead trials: the same draws for every arm of a round).
  | { type: 'reseed'; seed: number }

export type MocksProcessStats = ProcessStats & { heap_used_after_gc_mb: number | null }

export type FromMocks =
  | { type: 'ready'; ports: Partial<Record<DependencyName, number>>; pid: number }
  | { type: 'measuring' }
  | { type: 'reseeded' }
  | { type: 'stats'; stats: MocksProcessStats }
  | { type: 'failed'; message: string }
