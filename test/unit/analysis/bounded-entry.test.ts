import { describe, expect, it } from 'vitest'
import { boundedEntry } from '../../../src/analysis/bounded-entry.ts'

describe('boundedEntry', () => {
  it('creates an entry once and returns the same one after', () => {
    const map = new Map<string, { n: number }>()
    let created = 0
    const create = () => ({ n: ++created })
    const first = boundedEntry(map, 'a', 2, create)
    expect(first).toEqual({ n: 1 })
    expect(boundedEntry(map, 'a', 2, create)).toBe(first)
    expect(created).toBe(1)
  })

  it('returns undefined for a new key once the map holds max keys, and keeps serving the old ones', () => {
    const map = new Map<string, number>()
    expect(boundedEntry(map, 'a', 2, () => 1)).toBe(1)
    expect(boundedEntry(map, 'b', 2, () => 2)).toBe(2)
    expect(boundedEntry(map, 'c', 2, () => 3)).toBeUndefined()
    expect([...map.keys()]).toEqual(['a', 'b'])
    expect(boundedEntry(map, 'b', 2, () => 99)).toBe(2)
  })
})
