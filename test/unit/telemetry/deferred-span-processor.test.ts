// Ended spans reach a deferred processor in end order, later, and all of them: after the delay,
// when the queue is full, on forceFlush and on shutdown; a processor that throws in a deferred
// batch is contained, and its time is still counted.
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { describe, expect, it } from 'vitest'
import { DeferredSpanProcessor } from '../../../src/telemetry/deferred-span-processor.ts'
import { createTracing, SafeSpanProcessor } from '../../../src/telemetry/tracer-provider.ts'

// Records the names of the spans it was handed, in order.
function recorder() {
  const names: string[] = []
  return {
    names,
    onStart() {},
    onEnd(span: ReadableSpan) {
      names.push(span.name)
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  }
}

function setUp(deferMs: number, maxSpans: number) {
  const inner = recorder()
  const deferred = new DeferredSpanProcessor(new SafeSpanProcessor(inner), deferMs, maxSpans)
  const tracing = createTracing({ sampler: { kind: 'always_on' }, processors: [deferred] })
  const end = (...names: string[]) => {
    for (const name of names) tracing.tracer.startSpan(name).end()
  }
  return { deferred, tracing, end, seen: () => [...inner.names] }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('DeferredSpanProcessor', () => {
  it('hands spans over after its delay, in the order they ended', async () => {
    const { deferred, end, seen } = setUp(30, 1000)
    // A fresh loop turn first: Node arms a timer on libuv's loop clock, cached at the start of the
    // turn and kept in whole milliseconds, so a timer armed late in a long turn fires early by
    // that much on performance.now().
    await new Promise((resolve) => setImmediate(resolve))
    // Taken before the first span ends, which is when the timer is armed.
    const firstEndMs = performance.now()
    end('a', 'b', 'c')
    expect(seen()).toEqual([])
    expect(deferred.pending).toBe(3)
    while (seen().length === 0) await sleep(2)
    const handedOverMs = performance.now() - firstEndMs
    // Not before the delay, less the loop clock's whole-millisecond truncation and what is left
    // of the turn (2 ms), and not unboundedly after it: a generous upper bound.
    expect(handedOverMs).toBeGreaterThanOrEqual(28)
    expect(handedOverMs).toBeLessThan(2000)
    expect(seen()).toEqual(['a', 'b', 'c'])
    expect(deferred.pending).toBe(0)
  })

  it('hands the queue over at once when it is full', () => {
    const { end, seen } = setUp(60_000, 4)
    end('1', '2', '3')
    expect(seen()).toEqual([])
    end('4')
    expect(seen()).toEqual(['1', '2', '3', '4'])
    end('5')
    expect(seen()).toEqual(['1', '2', '3', '4'])
  })

  it('hands everything over on forceFlush and on shutdown, so no span is lost', async () => {
    const { tracing, end, seen } = setUp(60_000, 1000)
    end('a', 'b')
    await tracing.forceFlush()
    expect(seen()).toEqual(['a', 'b'])
    end('c')
    expect(seen()).toEqual(['a', 'b'])
    await tracing.shutdown()
    expect(seen()).toEqual(['a', 'b', 'c'])
  })

  it('contains a processor that throws in a deferred batch, and counts its time', async () => {
    let calls = 0
    const throwing = {
      onStart() {},
      onEnd() {
        calls++
        const until = performance.now() + 1
        while (performance.now() < until) {}
        throw new Error('processor failed')
      },
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    }
    const tracing = createTracing({
      sampler: { kind: 'always_on' },
      processors: [],
      deferredProcessors: [throwing],
    })
    const error = console.error
    console.error = () => {}
    try {
      for (let i = 0; i < 3; i++) tracing.tracer.startSpan('work').end()
      expect(calls).toBe(0)
      expect(tracing.spanProcessingMs()).toBeLessThan(1)
      await tracing.forceFlush()
    } finally {
      console.error = error
    }
    expect(calls).toBe(3)
    expect(tracing.spanProcessingMs()).toBeGreaterThanOrEqual(3)
    expect(tracing.spanProcessingMs()).toBeLessThan(3 * 50)
  })
})
