// The mocked dependencies as HTTP servers: one loopback listener per dependency, each answering
// with its msw handler. Used by the mock servers' process (a run) and by tools that want them
// in their own process (tests).
import { type DependencyBaseUrls, mockBaseUrl } from '../contract/dependency-api.ts'
import { preciseTimer } from '../precise-wait.ts'
import type { Dependencies, DependencyName } from '../scenario/schema.ts'
import { createDependencyMocks, type MockOptions } from './handlers.ts'
import { type AnsweredCall, type MockListener, serveHandlers } from './mock-http-server.ts'

export const DEPENDENCY_NAMES: readonly DependencyName[] = [
  'auth',
  'embedding',
  'vector_store',
  'reranker',
  'llm',
]

export type MockListeners = {
  baseUrls: Partial<DependencyBaseUrls>
  ports: Partial<Record<DependencyName, number>>
  reseed(seed: number): void
  close(): Promise<void>
}

export async function startMockListeners(
  dependencies: Dependencies,
  options: MockOptions & {
    names?: readonly DependencyName[]
    host?: string
    // Each call answered with a 2xx (mock fidelity for a team's service: mock-call-log.ts).
    onCall?: (dependency: DependencyName, call: AnsweredCall) => void
  },
): Promise<MockListeners> {
  const mocks = createDependencyMocks(dependencies, options)
  // Start the timer thread now, not on the first request (it takes ~50–100 ms to start).
  preciseTimer()
  const listeners: [DependencyName, MockListener][] = []
  try {
    for (const name of options.names ?? DEPENDENCY_NAMES) {
      const onCall = options.onCall
      listeners.push([
        name,
        await serveHandlers([mocks.handlers[name]], {
          ...(options.host ? { host: options.host } : {}),
          ...(onCall ? { onCall: (call: AnsweredCall) => onCall(name, call) } : {}),
        }),
      ])
    }
  } catch (error) {
    await Promise.all(listeners.map(([, listener]) => listener.close()))
    throw error
  }
  return {
    baseUrls: Object.fromEntries(listeners.map(([name, l]) => [name, mockBaseUrl(name, l.origin)])),
    ports: Object.fromEntries(listeners.map(([name, l]) => [name, l.port])),
    reseed: (seed) => mocks.reseed(seed),
    close: async () => {
      await Promise.all(listeners.map(([, listener]) => listener.close()))
    },
  }
}
