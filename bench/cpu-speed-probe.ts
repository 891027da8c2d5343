// How steady the machine's CPU time is, beside whatever is running: two small processes each
// repeat one fixed unit of work (pure arithmetic, and allocation-heavy like a request handler)
// for 1 ms in every 10 ms, and report the CPU time per unit in each 1 s window. On a quiet
// machine fixed work takes fixed CPU time; on a shared VM it does not (neighbours' cache and
// memory traffic, frequency changes). The overhead method compares CPU per request between
// trials run one after another, so this probe's change from one window to the next is noise that
// pairing neighbouring trials does not remove: a floor under the overhead intervals for a given
// trial time.
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { mean, sampleStandardDeviation } from 'simple-statistics'

type Steadiness = {
  windows: number
  // coefficient of variation of CPU time per unit across 1 s windows
  cv: number
  // sd of ln(window i+1 / window i): what a paired comparison of neighbouring trials sees
  successive_log_sd: number
}
export type CpuSpeedFigures = { arithmetic: Steadiness; allocating: Steadiness }

export function startCpuSpeedProbe(): { stop(): Promise<CpuSpeedFigures> } {
  const start = (kind: keyof CpuSpeedFigures) => {
    const child = fork(new URL('./cpu-speed-probe-child.mjs', import.meta.url), [kind], {
      stdio: 'ignore',
      execArgv: [],
    })
    return async (): Promise<Steadiness> => {
      const reply = once(child, 'message')
      child.send('stop')
      const [message]: unknown[] = await reply
      child.kill()
      return steadiness(windowsOf(message, kind))
    }
  }
  const arithmetic = start('arithmetic')
  const allocating = start('allocating')
  return {
    async stop() {
      const [a, b] = await Promise.all([arithmetic(), allocating()])
      return { arithmetic: a, allocating: b }
    },
  }
}

// The child's one message: { windows: CPU ms per unit, one per 1 s window }.
function windowsOf(message: unknown, kind: string): number[] {
  const windows =
    typeof message === 'object' && message !== null && 'windows' in message ? message.windows : undefined
  if (!Array.isArray(windows) || !windows.every((w) => typeof w === 'number')) {
    throw new Error(`Failed to read the ${kind} CPU-speed probe: its message has no list of window figures.`)
  }
  return windows
}

function steadiness(windows: number[]): Steadiness {
  // The first window includes the JIT's warm-up.
  const steady = windows.slice(1)
  if (steady.length < 3) return { windows: steady.length, cv: Number.NaN, successive_log_sd: Number.NaN }
  const logs = steady.slice(1).map((v, i) => Math.log(v / steady[i]!))
  return {
    windows: steady.length,
    cv: sampleStandardDeviation(steady) / mean(steady),
    successive_log_sd: sampleStandardDeviation(logs),
  }
}
