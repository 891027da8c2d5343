import { describe, expect, it } from 'vitest'
import { UsageError } from '../../../src/errors.ts'
import { applyOverrides, parseSamplerFlag } from '../../../src/run/overrides.ts'
import { scenarioFromObject } from '../../../src/scenario/load-scenario.ts'

const closed = scenarioFromObject({
  name: 'overrides',
  seed: 7,
  load: { connections: 8, duration: '10s', warmup: '2s' },
  requests: [{ tenant: 'acme', api_key: 'key-acme', question: 'q' }],
})
const open = scenarioFromObject({
  name: 'overrides-open',
  load: { arrival: { rate: 10 }, duration: '10s' },
  requests: [{ tenant: 'acme', api_key: 'key-acme', question: 'q' }],
})

describe('applyOverrides', () => {
  it('applies every flag to a copy and records each one', () => {
    const before = structuredClone(closed)
    const { scenario, applied } = applyOverrides(closed, {
      durationMs: 1500,
      warmupMs: 500,
      connections: 2,
      seed: 42,
      sampler: { kind: 'parent_ratio', ratio: 0.25 },
    })
    expect(scenario.load).toMatchObject({ durationMs: 1500, warmupMs: 500, connections: 2 })
    expect(scenario.seed).toBe(42)
    expect(scenario.tracing.sampler).toEqual({ kind: 'parent_ratio', ratio: 0.25 })
    expect(applied).toEqual({
      'load.duration': '1500ms',
      'load.warmup': '500ms',
      'load.connections': '2',
      seed: '42',
      'tracing.sampler': 'parent_ratio(0.25)',
    })
    // The loaded scenario is never mutated.
    expect(closed).toEqual(before)
  })

  it('records nothing and changes nothing without flags', () => {
    const { scenario, applied } = applyOverrides(closed, {})
    expect(applied).toEqual({})
    expect(scenario).toEqual(closed)
  })

  it('refuses --connections for an open-model scenario, saying what to do', () => {
    expect(() => applyOverrides(open, { connections: 4 })).toThrow(UsageError)
    expect(() => applyOverrides(open, { connections: 4 })).toThrow(/--connections.*open-model.*Drop the flag/)
  })
})

describe('parseSamplerFlag', () => {
  it.each([
    ['always_on', { kind: 'always_on' }],
    ['always_off', { kind: 'always_off' }],
    ['ratio:0.1', { kind: 'ratio', ratio: 0.1 }],
    ['parent_ratio:1', { kind: 'parent_ratio', ratio: 1 }],
    ['ratio:0', { kind: 'ratio', ratio: 0 }],
  ])('reads %s', (text, config) => {
    expect(parseSamplerFlag(text)).toEqual(config)
  })

  it.each(['ratio', 'ratio:1.5', 'ratio:-0.1', 'sometimes', 'parent_ratio:abc'])(
    'refuses %s with the accepted forms',
    (text) => {
      expect(() => parseSamplerFlag(text)).toThrow(
        `Failed to read --sampler "${text}": expected always_on, always_off, ratio:<0..1> or parent_ratio:<0..1>.`,
      )
    },
  )
})
