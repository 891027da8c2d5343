import { describe, expect, it } from 'vitest'
import { newTraceparent } from '../../../src/load/traceparent.ts'
import { createRng } from '../../../src/rng.ts'

const FORMAT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/

describe('newTraceparent', () => {
  it('produces W3C traceparents whose trace id is returned alongside', () => {
    const ids = new Set<string>()
    for (let i = 0; i < 5000; i++) {
      const { traceparent, traceId } = newTraceparent()
      const match = FORMAT.exec(traceparent)
      expect(match).not.toBeNull()
      expect(match![1]).toBe(traceId)
      ids.add(traceId)
    }
    expect(ids.size).toBe(5000)
  })

  it('is reproducible with a seeded generator', () => {
    const a = createRng(5)
    const b = createRng(5)
    expect([newTraceparent(a), newTraceparent(a)]).toEqual([newTraceparent(b), newTraceparent(b)])
  })

  it('never produces an all-zero trace id or parent id', () => {
    const { traceparent } = newTraceparent({ next: () => 0 })
    const [, traceId, parentId] = FORMAT.exec(traceparent)!
    expect(traceId).not.toMatch(/^0+$/)
    expect(parentId).not.toMatch(/^0+$/)
  })
})
