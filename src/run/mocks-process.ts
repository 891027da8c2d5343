// Entry point of a mock servers' process (forked by mocks-host.ts): the dependencies assigned to
// it, each on its own loopback listener, outside the endpoint's and the driver's event loops.
import { MockCallLog } from '../mocks/mock-call-log.ts'
import { type MockListeners, startMockListeners } from '../mocks/mock-listeners.ts'
import { ownedByHarness } from './child-lifetime.ts'
import type { FromMocks, ToMocks } from './mocks-protocol.ts'
import { createProcessMeter, heapUsedAfterGcMb } from './process-meter.ts'

let listeners: MockListeners | undefined
const meter = createProcessMeter()
// Mock fidelity for a team's service: answered calls go to the harness in batches this often.
const CALLS_INTERVAL_MS = 200
let callLog: MockCallLog | undefined

function sendCalls(): void {
  const calls = callLog?.take() ?? []
  if (calls.length > 0) send({ type: 'calls', calls })
}

function send(message: FromMocks): void {
  process.send?.(message)
}

process.on('message', async (message: ToMocks) => {
  try {
    if (message.type === 'start') {
      const log = message.reportCalls ? new MockCallLog() : undefined
      callLog = log
      if (log) setInterval(sendCalls, CALLS_INTERVAL_MS).unref()
      listeners = await startMockListeners(message.dependencies, {
        seed: message.seed,
        apiKeys: new Map(message.apiKeys),
        names: message.names,
        ...(log ? { onCall: (name, call) => log.record(name, call) } : {}),
      })
      send({ type: 'ready', ports: listeners.ports, pid: process.pid })
    } else if (message.type === 'measure') {
      meter.start()
      send({ type: 'measuring' })
    } else if (message.type === 'reseed') {
      listeners?.reseed(message.seed)
      send({ type: 'reseeded' })
    } else if (message.type === 'flush-calls') {
      sendCalls()
      send({ type: 'calls-flushed', counts: callLog?.counts ?? {}, dropped: callLog?.dropped ?? 0 })
    } else if (message.type === 'cpu') {
      const cpu = process.cpuUsage()
      send({ type: 'cpu', cpu_ms: (cpu.user + cpu.system) / 1000 })
    } else if (message.type === 'stats') {
      const stats = meter.stats()
      send({ type: 'stats', stats: { ...stats, heap_used_after_gc_mb: heapUsedAfterGcMb() } })
    }
  } catch (error) {
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) })
  }
})

ownedByHarness(async () => {
  await listeners?.close()
})
