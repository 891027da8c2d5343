// The machine's own floor for a timed wake-up, under whatever load is running: one thread that
// does nothing but sleep in Atomics.wait (a futex with a timeout, the mocks' timer thread's
// mechanism) and records how late it woke. No event loop, no allocation, no I/O: its lateness
// is the kernel's and the hypervisor's (timer slack, a vCPU waking from idle, waiting for a core
// while driver, endpoint and mocks run). No mock, whatever it is written in, can be held to a
// deadline more precisely than this on the same machine under the same load.
import { Worker } from 'node:worker_threads'

export type ProbeQuantiles = {
  count: number
  p50_ms: number
  p90_ms: number
  p99_ms: number
  p999_ms: number
}

export function startSchedulerProbe(seed = 1): { stop(): Promise<ProbeQuantiles> } {
  const stopFlag = new Int32Array(new SharedArrayBuffer(4))
  const worker = new Worker(new URL('./scheduler-probe-thread.mjs', import.meta.url), {
    workerData: { stop: stopFlag.buffer, seed },
  })
  const samples = new Promise<number[]>((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
  return {
    async stop() {
      Atomics.store(stopFlag, 0, 1)
      const sorted = Float64Array.from(await samples).sort()
      await worker.terminate()
      const at = (q: number) =>
        sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
      return { count: sorted.length, p50_ms: at(0.5), p90_ms: at(0.9), p99_ms: at(0.99), p999_ms: at(0.999) }
    },
  }
}
