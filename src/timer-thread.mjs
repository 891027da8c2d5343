// The precise-wait timer thread (see precise-wait.ts). Plain JavaScript so that it starts without
// the TypeScript loader. It holds a min-heap of deadlines on process.hrtime (monotonic, shared by
// every thread of the process), sleeps in Atomics.wait until the earliest one (or until the main
// thread posts an earlier one and notifies), and posts the ids that are due.
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads'

const flag = new Int32Array(workerData.flag)
const heap = [] // [deadlineHrMs, id], a binary min-heap on deadlineHrMs
const IDLE_WAIT_MS = 60_000

const hrNowMs = () => Number(process.hrtime.bigint()) / 1e6

function push(entry) {
  heap.push(entry)
  let i = heap.length - 1
  while (i > 0) {
    const parent = (i - 1) >> 1
    if (heap[parent][0] <= heap[i][0]) break
    ;[heap[parent], heap[i]] = [heap[i], heap[parent]]
    i = parent
  }
}

function pop() {
  const top = heap[0]
  const last = heap.pop()
  if (heap.length > 0) {
    heap[0] = last
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      const right = left + 1
      let least = i
      if (left < heap.length && heap[left][0] < heap[least][0]) least = left
      if (right < heap.length && heap[right][0] < heap[least][0]) least = right
      if (least === i) break
      ;[heap[least], heap[i]] = [heap[i], heap[least]]
      i = least
    }
  }
  return top
}

for (;;) {
  // Clear the flag before draining: a post that lands after the drain sets it again, and the
  // wait below then returns at once instead of sleeping past the new deadline.
  Atomics.store(flag, 0, 0)
  for (let message = receiveMessageOnPort(parentPort); message; message = receiveMessageOnPort(parentPort)) {
    for (const entry of message.message) push(entry)
  }
  const now = hrNowMs()
  const due = []
  while (heap.length > 0 && heap[0][0] <= now) due.push(pop()[1])
  if (due.length > 0) parentPort.postMessage(due)
  const sleepMs = heap.length > 0 ? heap[0][0] - hrNowMs() : IDLE_WAIT_MS
  if (sleepMs > 0) Atomics.wait(flag, 0, 0, sleepMs)
}
