import { describe, expect, it } from 'vitest'
import { editDistance, suggestKey } from '../../../src/scenario/suggest-key.ts'

describe('editDistance', () => {
  it.each([
    ['load', 'load', 0],
    ['laod', 'load', 1], // a swap of neighbours counts once
    ['lod', 'load', 1],
    ['loaad', 'load', 1],
    ['lognormall', 'lognormal', 1],
    ['apikey', 'api_key', 1],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
  ])('%s → %s is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance)
    expect(editDistance(b, a)).toBe(distance)
  })
})

describe('suggestKey', () => {
  const known = ['name', 'description', 'seed', 'load', 'requests', 'tenants', 'budgets', 'k']
  it.each([
    ['laod', 'load'],
    ['Load', 'load'],
    ['request', 'requests'],
    ['budget', 'budgets'],
    ['descripton', 'description'],
    ['tenant', 'tenants'],
    ['x', undefined], // one letter is never "corrected"
    ['seeds', 'seed'],
    ['connections', undefined],
    ['banana', undefined],
  ])('%s → %s', (typed, expected) => {
    expect(suggestKey(typed, known)).toBe(expected)
  })

  it('returns nothing when there is nothing to suggest from', () => {
    expect(suggestKey('load', [])).toBeUndefined()
  })
})
