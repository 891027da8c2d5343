// The scheduler probe's thread (see scheduler-probe.ts): sleeps in Atomics.wait for seeded
// random 1–10 ms timeouts, does no other work, and records how late each wake-up came, until
// the main thread sets the stop flag; then posts the lateness samples (ms). Plain JavaScript so
// that it starts without the TypeScript loader, as the mocks' timer thread does.
import { parentPort, workerData } from 'node:worker_threads'

const stop = new Int32Array(workerData.stop)
const sleeper = new Int32Array(new SharedArrayBuffer(4))
const hrNowMs = () => Number(process.hrtime.bigint()) / 1e6
const lateMs = []
let x = workerData.seed
while (Atomics.load(stop, 0) === 0) {
  x = (x * 1103515245 + 12345) % 2147483648 // an LCG: only spreads the timeouts
  const waitMs = 1 + (x / 2147483648) * 9
  const deadline = hrNowMs() + waitMs
  Atomics.wait(sleeper, 0, 0, waitMs)
  lateMs.push(hrNowMs() - deadline)
}
parentPort.postMessage(lateMs)
