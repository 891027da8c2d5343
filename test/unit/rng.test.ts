import { describe, expect, it } from 'vitest'
import { createRng, deriveSeed } from '../../src/rng.ts'

const draw = (seed: number, n: number) => {
  const rng = createRng(seed)
  return Array.from({ length: n }, () => rng.next())
}

describe('createRng', () => {
  it('repeats its sequence for the same seed and differs between seeds', () => {
    expect(draw(7, 1000)).toEqual(draw(7, 1000))
    const other = draw(8, 1000)
    const same = draw(7, 1000).filter((value, i) => value === other[i]).length
    expect(same).toBeLessThan(5)
  })

  // Pinned values: changing the generator or its seeding changes every scenario's draws, which
  // must be a deliberate decision (update these numbers and say so in the changelog).
  it('keeps its output stable across versions', () => {
    expect(draw(42, 3)).toEqual([0.9631888947915286, 0.28146960865706205, 0.6313949506729841])
    expect(deriveSeed(42, 'llm')).toBe(3481205089)
    expect(deriveSeed(42, 'auth')).toBe(3124042371)
  })

  it('draws next() in [0, 1) with the moments of a uniform (100k draws, within 1%)', () => {
    const values = draw(1, 100_000)
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...values)).toBeLessThan(1)
    const mean = values.reduce((a, b) => a + b, 0) / values.length
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length
    expect(mean).toBeCloseTo(0.5, 2)
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.01 / 12)
  })

  it('draws normal() with mean 0 and standard deviation 1 (100k draws, within 0.02)', () => {
    const rng = createRng(3)
    const values = Array.from({ length: 100_000 }, () => rng.normal())
    const mean = values.reduce((a, b) => a + b, 0) / values.length
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length)
    expect(Math.abs(mean)).toBeLessThan(0.02)
    expect(Math.abs(sd - 1)).toBeLessThan(0.02)
  })

  it('draws int() over the whole inclusive range and nothing outside it', () => {
    const rng = createRng(5)
    const counts = new Map<number, number>()
    for (let i = 0; i < 60_000; i++) {
      const value = rng.int(-2, 3)
      counts.set(value, (counts.get(value) ?? 0) + 1)
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2, 3])
    // 10,000 expected each; 4 standard deviations is about 365.
    for (const count of counts.values()) expect(Math.abs(count - 10_000)).toBeLessThan(400)
    expect(() => rng.int(3, 2)).toThrow(/min ≤ max/)
  })

  it('rejects a seed that is not a safe integer', () => {
    expect(() => createRng(Number.NaN)).toThrow(/safe integer/)
    expect(() => createRng(1.5)).toThrow(/safe integer/)
  })
})

describe('deriveSeed', () => {
  it('gives each label its own stream, stable for a given seed', () => {
    const labels = ['auth', 'embedding', 'vector_store', 'reranker', 'llm']
    const seeds = labels.map((label) => deriveSeed(1, label))
    expect(new Set(seeds).size).toBe(labels.length)
    expect(labels.map((label) => deriveSeed(1, label))).toEqual(seeds)
    expect(deriveSeed(2, 'llm')).not.toBe(deriveSeed(1, 'llm'))
    // Seeds that differ only above 32 bits still differ.
    expect(deriveSeed(2 ** 32 + 1, 'llm')).not.toBe(deriveSeed(1, 'llm'))
  })
})
