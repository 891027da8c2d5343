// The CPU-speed probe's process (see cpu-speed-probe.ts): repeats one fixed unit of work, either
// pure arithmetic or allocation-heavy (short-lived objects, as a request handler makes), about
// 1 ms of every 10 ms, and sums the process's CPU time per unit over each 1 s window. On
// 'stop' it sends the windows' CPU ms per unit. Plain JavaScript: it starts without the loader.
const kind = process.argv[2]
let sink = 0
function arithmetic() {
  let s = 0
  for (let i = 0; i < 20_000; i++) s += Math.sqrt(i * 1.000001)
  sink += s
}
function allocating() {
  const items = []
  for (let i = 0; i < 400; i++) items.push({ id: `doc-${i}`, score: i * 0.5, tags: [i, i + 1] })
  sink += JSON.parse(JSON.stringify(items)).length
}
const unit = kind === 'arithmetic' ? arithmetic : allocating
const windows = []
let windowStart = performance.now()
let cpuAtStart = process.cpuUsage()
let units = 0
const timer = setInterval(() => {
  const until = performance.now() + 1
  while (performance.now() < until) {
    unit()
    units++
  }
  if (performance.now() - windowStart >= 1000) {
    const cpu = process.cpuUsage(cpuAtStart)
    windows.push((cpu.user + cpu.system) / 1000 / units)
    windowStart = performance.now()
    cpuAtStart = process.cpuUsage()
    units = 0
  }
}, 10)
process.on('message', () => {
  clearInterval(timer)
  process.send({ windows, sink: sink > 0 })
})
