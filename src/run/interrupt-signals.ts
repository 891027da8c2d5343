// Ctrl+C and CI cancellation: the first SIGINT or SIGTERM stops the run gracefully (partial report,
// exit 130); a later one means "quit now".
//
// One Ctrl+C in a terminal arrives more than once. The terminal signals the whole foreground
// process group, and the wrappers in that group relay the same signal to their child: npm's
// run-script at once, and the `tsx` command about 30 ms later (it also sends SIGKILL if the child
// has not acknowledged within another 30 ms, which is why the npm scripts start the CLI with
// `node --import tsx` instead). A repeat within RELAY_WINDOW_MS of the first is that echo, not a
// person pressing Ctrl+C again, so it is ignored.
export const RELAY_WINDOW_MS = 1000

export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM'] as const
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number]

export type InterruptHandlers = {
  first(signal: InterruptSignal): void
  again(signal: InterruptSignal): void
}

// Returns a function that removes the listeners.
export function onInterrupt(
  handlers: InterruptHandlers,
  options: { target?: NodeJS.EventEmitter; now?: () => number; windowMs?: number } = {},
): () => void {
  const target = options.target ?? process
  const now = options.now ?? (() => performance.now())
  const windowMs = options.windowMs ?? RELAY_WINDOW_MS
  let firstAt: number | undefined
  const listeners = INTERRUPT_SIGNALS.map((signal) => {
    const listener = () => {
      if (firstAt === undefined) {
        firstAt = now()
        handlers.first(signal)
      } else if (now() - firstAt > windowMs) {
        handlers.again(signal)
      }
    }
    target.on(signal, listener)
    return [signal, listener] as const
  })
  return () => {
    for (const [signal, listener] of listeners) target.off(signal, listener)
  }
}
