import { describe, expect, it } from 'vitest'
import { criticalPath, criticalPathByName } from '../../../src/analysis/critical-path.ts'
import { createRng } from '../../../src/rng.ts'

const iv = (startMs: number, endMs: number) => ({ startMs, endMs })

describe('criticalPath', () => {
  it.each([
    {
      name: 'sequential children',
      parent: iv(0, 100),
      children: [iv(0, 20), iv(20, 50), iv(50, 100)],
      childMs: [20, 30, 50],
      selfMs: 0,
    },
    {
      name: 'sequential with gaps',
      parent: iv(0, 100),
      children: [iv(10, 20), iv(30, 60)],
      childMs: [10, 30],
      selfMs: 60,
    },
    {
      name: 'two fully parallel, same interval (first wins the tie)',
      parent: iv(0, 50),
      children: [iv(0, 40), iv(0, 40)],
      childMs: [40, 0],
      selfMs: 10,
    },
    {
      name: 'one nested inside a longer one',
      parent: iv(0, 100),
      children: [iv(10, 30), iv(0, 80)],
      childMs: [0, 80],
      selfMs: 20,
    },
    {
      name: 'partial overlap: the earlier until the later starts',
      parent: iv(0, 15),
      children: [iv(0, 10), iv(5, 15)],
      childMs: [5, 10],
      selfMs: 0,
    },
    {
      name: 'partial overlap given in reverse order',
      parent: iv(0, 20),
      children: [iv(5, 15), iv(0, 10)],
      childMs: [10, 5],
      selfMs: 5,
    },
    {
      name: 'a chain of three overlapping',
      parent: iv(0, 30),
      children: [iv(0, 10), iv(5, 20), iv(15, 30)],
      childMs: [5, 10, 15],
      selfMs: 0,
    },
    {
      name: 'a short one inside, then a longer one takes over',
      parent: iv(0, 30),
      children: [iv(0, 10), iv(2, 8), iv(5, 20)],
      childMs: [5, 0, 15],
      selfMs: 10,
    },
    {
      name: 'children clipped to the parent',
      parent: iv(10, 20),
      children: [iv(0, 15), iv(18, 40)],
      childMs: [5, 2],
      selfMs: 3,
    },
    {
      name: 'empty, outside and reversed children get nothing',
      parent: iv(0, 10),
      children: [iv(3, 3), iv(20, 30), iv(8, 2)],
      childMs: [0, 0, 0],
      selfMs: 10,
    },
    { name: 'no children', parent: iv(0, 7), children: [], childMs: [], selfMs: 7 },
    { name: 'an empty parent', parent: iv(5, 5), children: [iv(5, 6)], childMs: [0], selfMs: 0 },
  ])('$name', ({ parent, children, childMs, selfMs }) => {
    const result = criticalPath(parent, children)
    expect(result.childMs).toEqual(childMs)
    expect(result.selfTimeMs).toBeCloseTo(selfMs, 9)
  })

  it('agrees with a brute-force sweep, and child times plus self time add up to the parent', () => {
    const rng = createRng(42)
    for (let round = 0; round < 300; round++) {
      const parent = iv(0, rng.int(1, 60))
      const children = Array.from({ length: rng.int(0, 6) }, () => {
        const start = rng.int(-5, 60)
        return iv(start, start + rng.int(0, 30))
      })
      // Brute force on 1 ms steps: each step goes to the running child that ends last, ends
      // clipped to the parent (the earlier start, then the first, on ties).
      const expected = new Array<number>(children.length).fill(0)
      let expectedSelf = 0
      for (let t = parent.startMs; t < parent.endMs; t++) {
        let best = -1
        for (let i = 0; i < children.length; i++) {
          const c = children[i]!
          if (c.startMs > t || c.endMs <= t) continue
          const b = best === -1 ? undefined : children[best]!
          const end = (x: { endMs: number }) => Math.min(x.endMs, parent.endMs)
          if (!b || end(c) > end(b) || (end(c) === end(b) && c.startMs < b.startMs)) best = i
        }
        if (best === -1) expectedSelf++
        else expected[best]!++
      }
      const result = criticalPath(parent, children)
      const total = result.childMs.reduce((a, b) => a + b, 0) + result.selfTimeMs
      expect(total).toBeCloseTo(parent.endMs - parent.startMs, 9)
      expect(result.selfTimeMs).toBeCloseTo(expectedSelf, 9)
      // Ties between identical intervals may go to either one; compare per distinct interval.
      const key = (i: number) => `${children[i]!.startMs}:${children[i]!.endMs}`
      const sum = (ms: number[]) => {
        const out: Record<string, number> = {}
        ms.forEach((v, i) => {
          out[key(i)] = (out[key(i)] ?? 0) + v
        })
        return out
      }
      expect(sum(result.childMs)).toEqual(sum(expected))
    }
  })

  it('does not change its input', () => {
    const children = [iv(5, 15), iv(0, 10)]
    const copy = structuredClone(children)
    criticalPath(iv(0, 20), children)
    expect(children).toEqual(copy)
  })
})

describe('criticalPathByName', () => {
  it('sums retries of one call under one name', () => {
    const { byName, selfTimeMs } = criticalPathByName(iv(0, 100), [
      { name: 'POST /v1/chat/completions', startMs: 0, endMs: 30 },
      { name: 'POST /v1/chat/completions', startMs: 40, endMs: 90 },
    ])
    expect(byName).toEqual({ 'POST /v1/chat/completions': 80 })
    expect(selfTimeMs).toBe(20)
  })
})
