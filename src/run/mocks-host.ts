// The mock servers' processes, seen from the harness: fork them, spread the five dependencies
// over them round-robin (a dependency's state, its rate-limit bucket and random streams, lives in
// exactly one process, so a run draws the same values whatever the process count), and collect
// their ports and figures.
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { DEFAULT_BASE_URLS, type DependencyBaseUrls, mockBaseUrl } from '../contract/dependency-api.ts'
import type { MockCallCounts, MockCallRecord, MockCallTally } from '../contract/mock-call.ts'
import { DEPENDENCY_NAMES } from '../mocks/mock-listeners.ts'
import type { MocksConfig, Scenario } from '../scenario/schema.ts'
import { type ChildExit, type ChildHost, forkChild } from './child-host.ts'
import { apiKeysOf } from './endpoint-app.ts'
import type { FromMocks, MocksProcessStats, ToMocks } from './mocks-protocol.ts'

const ENTRY = fileURLToPath(new URL('./mocks-process.ts', import.meta.url))

export type MocksHost = {
  baseUrls: DependencyBaseUrls
  pids: number[]
  // Resolves when any of the processes exits; `expected` is false for a crash.
  exited: Promise<ChildExit>
  measure(): Promise<void>
  reseed(seed: number): Promise<void>
  stats(): Promise<MocksProcessStats[]>
  cpuMs(): Promise<number> // CPU time so far, all processes together
  // A team's service (target:): the calls the mocks answered, as they come (mock-call-log.ts),
  // and a flush that resolves once every process has sent the rest, with the counts.
  onCalls(listener: (calls: MockCallRecord[]) => void): void
  flushCalls(): Promise<MockCallTally>
  stop(): Promise<void>
}

// One process serves the mocks at ~110–150 µs of CPU a call; at the full pipeline's ceiling on 2
// cores (five calls a request) that is well under half a core (npm run bench), so more processes
// would only compete with the endpoint for the same cores. Bigger machines get one per four cores.
export function mockProcessCount(config: MocksConfig, cpus = os.availableParallelism()): number {
  if (config.processes !== 'auto') return config.processes
  return Math.max(1, Math.min(DEPENDENCY_NAMES.length, Math.floor(cpus / 4)))
}

export async function startMocksProcesses(
  scenario: Pick<Scenario, 'dependencies' | 'seed' | 'requests' | 'mocks' | 'target'>,
): Promise<MocksHost> {
  const count = mockProcessCount(scenario.mocks)
  const assignments = Array.from({ length: count }, (_, i) =>
    DEPENDENCY_NAMES.filter((_, j) => j % count === i),
  )
  const children: ChildHost<ToMocks, FromMocks>[] = assignments.map(() =>
    forkChild<ToMocks, FromMocks>(ENTRY, 'the mock servers'),
  )
  const stopAll = () => Promise.all(children.map((child) => child.stop())).then(() => undefined)
  try {
    const apiKeys = [...apiKeysOf(scenario)]
    const readies = await Promise.all(
      children.map((child, i) =>
        child.request(
          {
            type: 'start',
            dependencies: scenario.dependencies,
            names: assignments[i]!,
            seed: scenario.seed,
            apiKeys,
            reportCalls: scenario.target !== undefined,
          },
          'ready',
          30_000,
        ),
      ),
    )
    const baseUrls: DependencyBaseUrls = { ...DEFAULT_BASE_URLS }
    for (const ready of readies) {
      for (const name of DEPENDENCY_NAMES) {
        const port = ready.ports[name]
        if (port !== undefined) baseUrls[name] = mockBaseUrl(name, `http://127.0.0.1:${port}`)
      }
    }
    return {
      baseUrls,
      pids: readies.map((r) => r.pid),
      exited: Promise.race(children.map((child) => child.exited)),
      measure: async () => {
        await Promise.all(children.map((child) => child.request({ type: 'measure' }, 'measuring', 10_000)))
      },
      reseed: async (seed) => {
        await Promise.all(
          children.map((child) => child.request({ type: 'reseed', seed }, 'reseeded', 10_000)),
        )
      },
      stats: async () =>
        (await Promise.all(children.map((child) => child.request({ type: 'stats' }, 'stats', 10_000)))).map(
          (m) => m.stats,
        ),
      cpuMs: async () => {
        const replies = await Promise.all(
          children.map((child) => child.request({ type: 'cpu' }, 'cpu', 10_000)),
        )
        return replies.reduce((sum, reply) => sum + reply.cpu_ms, 0)
      },
      onCalls: (listener) => {
        for (const child of children) {
          child.onMessage((message) => {
            if (message.type === 'calls') listener(message.calls)
          })
        }
      },
      flushCalls: async () =>
        sumCallCounts(
          await Promise.all(
            children.map((child) => child.request({ type: 'flush-calls' }, 'calls-flushed', 10_000)),
          ),
        ),
      stop: stopAll,
    }
  } catch (error) {
    await stopAll()
    throw error
  }
}

function sumCallCounts(flushed: MockCallTally[]): MockCallTally {
  const counts: MockCallCounts = {}
  for (const one of flushed) {
    for (const [name, c] of Object.entries(one.counts)) {
      const sum = counts[name] ?? { traced: 0, untraced: 0 }
      counts[name] = sum
      sum.traced += c.traced
      sum.untraced += c.untraced
    }
  }
  return { counts, dropped: flushed.reduce((sum, one) => sum + one.dropped, 0) }
}
