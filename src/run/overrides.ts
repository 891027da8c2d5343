// Command-line overrides of a scenario. Applied to a copy (the loaded scenario is never
// mutated) and recorded, so the report can show what was run differently from the file.

import { UsageError } from '../errors.ts'
import type { SamplerConfig, Scenario } from '../scenario/schema.ts'
import { formatDurationMs } from '../units.ts'

export type RunOverrides = {
  durationMs?: number
  warmupMs?: number
  connections?: number
  seed?: number
  sampler?: SamplerConfig
  transport?: Scenario['mocks']['transport']
}

export function applyOverrides(
  scenario: Scenario,
  overrides: RunOverrides,
): { scenario: Scenario; applied: Record<string, string> } {
  const applied: Record<string, string> = {}
  const load = { ...scenario.load }
  let { seed, tracing } = scenario
  if (overrides.durationMs !== undefined) {
    load.durationMs = overrides.durationMs
    applied['load.duration'] = formatDurationMs(overrides.durationMs)
  }
  if (overrides.warmupMs !== undefined) {
    load.warmupMs = overrides.warmupMs
    applied['load.warmup'] = formatDurationMs(overrides.warmupMs)
  }
  if (overrides.connections !== undefined) {
    if (load.arrival) {
      throw new UsageError(
        'Failed to apply --connections: this scenario uses an open-model arrival rate. Drop the flag.',
      )
    }
    load.connections = overrides.connections
    applied['load.connections'] = String(overrides.connections)
  }
  if (overrides.seed !== undefined) {
    seed = overrides.seed
    applied.seed = String(overrides.seed)
  }
  if (overrides.sampler !== undefined) {
    tracing = { ...tracing, sampler: overrides.sampler }
    applied['tracing.sampler'] = samplerText(overrides.sampler)
  }
  let { mocks } = scenario
  if (overrides.transport !== undefined) {
    mocks = { ...mocks, transport: overrides.transport }
    applied['mocks.transport'] = overrides.transport
  }
  return { scenario: { ...scenario, seed, load, tracing, mocks }, applied }
}

// The CLI form of a sampler: always_on, always_off, ratio:0.1, parent_ratio:0.1.
export function parseSamplerFlag(text: string): SamplerConfig {
  if (text === 'always_on' || text === 'always_off') return { kind: text }
  const match = /^(ratio|parent_ratio):(0(?:\.\d+)?|1(?:\.0+)?)$/.exec(text)
  if (!match) {
    throw new UsageError(
      `Failed to read --sampler "${text}": expected always_on, always_off, ratio:<0..1> or parent_ratio:<0..1>.`,
    )
  }
  return { kind: match[1] as 'ratio' | 'parent_ratio', ratio: Number(match[2]) }
}

function samplerText(sampler: SamplerConfig): string {
  return sampler.kind === 'ratio' || sampler.kind === 'parent_ratio'
    ? `${sampler.kind}:${sampler.ratio}`
    : sampler.kind
}
