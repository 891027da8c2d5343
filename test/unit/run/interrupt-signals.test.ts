import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { onInterrupt, RELAY_WINDOW_MS } from '../../../src/run/interrupt-signals.ts'

function setup() {
  const target = new EventEmitter()
  let now = 0
  const calls: string[] = []
  const stop = onInterrupt(
    { first: (s) => calls.push(`first ${s}`), again: (s) => calls.push(`again ${s}`) },
    { target, now: () => now },
  )
  return { target, calls, stop, advance: (ms: number) => (now += ms) }
}

describe('onInterrupt', () => {
  it('takes a relayed repeat (tsx ~30 ms, npm at once) as the same interrupt', () => {
    const { target, calls, advance } = setup()
    target.emit('SIGINT')
    advance(30)
    target.emit('SIGINT')
    advance(30)
    target.emit('SIGTERM')
    expect(calls).toEqual(['first SIGINT'])
  })

  it('takes a signal after the relay window as "quit now"', () => {
    const { target, calls, advance } = setup()
    target.emit('SIGTERM')
    advance(RELAY_WINDOW_MS + 1)
    target.emit('SIGINT')
    expect(calls).toEqual(['first SIGTERM', 'again SIGINT'])
  })

  it('removes its listeners', () => {
    const { target, stop } = setup()
    stop()
    expect(target.listenerCount('SIGINT') + target.listenerCount('SIGTERM')).toBe(0)
  })
})
