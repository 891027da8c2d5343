// Command-line overrides of a scenario. Applied to a copy (the loaded scenario is never
// mutated) and recorded, so the report can show what was run differently from the file.

import type { z } from 'zod'
import { UsageError, ValidationError } from '../errors.ts'
import {
  overridesSchema,
  type RunOverrides,
  type SamplerConfig,
  type Scenario,
  samplerLabel,
} from '../scenario/schema.ts'

export type { RunOverrides }

import { formatDurationMs } from '../units.ts'

type OverridesInput = z.input<typeof overridesSchema>

const FLAG_OF: Record<string, string> = {
  duration: '--duration',
  warmup: '--warmup',
  connections: '--connections',
  seed: '--seed',
  sampler: '--sampler',
  transport: '--transport',
  what_if: '--what-if',
}

// Checks overrides against the scenario schema's own fields (the same bounds as in a file) and
// reports every problem at once, naming the flag.
function checkOverrides(input: OverridesInput): RunOverrides {
  const result = overridesSchema.safeParse(input, { reportInput: true })
  if (!result.success) {
    throw new ValidationError(
      'the command-line flags',
      result.error.issues.map((issue) => {
        const key = String(issue.path[0] ?? '')
        const got = 'input' in issue && issue.input !== undefined && !issue.message.includes(', got ')
        return `${FLAG_OF[key] ?? key}: ${issue.message}${got ? `, got ${JSON.stringify(issue.input)}` : ''}`
      }),
    )
  }
  return result.data
}

// A number flag as typed: a numeral becomes a number, anything else stays text for the schema
// to refuse with its own message.
function numberFlag(text: string | undefined): number | string | undefined {
  if (text === undefined) return undefined
  return /^\s*-?\d+(\.\d+)?(e[+-]?\d+)?\s*$/i.test(text) ? Number(text) : text
}

// The CLI's flags, as typed, through the scenario schema.
export function parseOverrideFlags(flags: {
  duration?: string | undefined
  warmup?: string | undefined
  connections?: string | undefined
  seed?: string | undefined
  sampler?: string | undefined
  transport?: string | undefined
  whatIf?: readonly string[] | undefined
}): RunOverrides {
  const input: Record<string, unknown> = {
    duration: flags.duration,
    warmup: flags.warmup,
    connections: numberFlag(flags.connections),
    seed: numberFlag(flags.seed),
    sampler: flags.sampler === undefined ? undefined : samplerInput(parseSamplerFlag(flags.sampler)),
    transport: flags.transport,
    what_if: flags.whatIf === undefined || flags.whatIf.length === 0 ? undefined : [...flags.whatIf],
  }
  return checkOverrides(
    Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as OverridesInput,
  )
}

function samplerInput(sampler: SamplerConfig): OverridesInput['sampler'] {
  if (sampler.kind === 'ratio') return { ratio: sampler.ratio }
  if (sampler.kind === 'parent_ratio') return { parent_ratio: sampler.ratio }
  return sampler.kind
}

// The programmatic API's overrides (already numbers), through the same schema.
function validOverrides(overrides: RunOverrides): RunOverrides {
  const durationText = (ms: number) => (Number.isFinite(ms) && ms >= 0 ? `${ms}ms` : String(ms))
  const input: Record<string, unknown> = {
    duration: overrides.durationMs === undefined ? undefined : durationText(overrides.durationMs),
    warmup: overrides.warmupMs === undefined ? undefined : durationText(overrides.warmupMs),
    connections: overrides.connections,
    seed: overrides.seed,
    sampler: overrides.sampler === undefined ? undefined : samplerInput(overrides.sampler),
    transport: overrides.transport,
    what_if: overrides.whatIf?.map((c) => `${c.dependency}=${c.factor}x`),
  }
  return checkOverrides(
    Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as OverridesInput,
  )
}

export function applyOverrides(
  scenario: Scenario,
  given: RunOverrides,
): { scenario: Scenario; applied: Record<string, string> } {
  const overrides = validOverrides(given)
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
    applied['tracing.sampler'] = samplerLabel(overrides.sampler)
  }
  let { mocks } = scenario
  if (overrides.transport !== undefined) {
    mocks = { ...mocks, transport: overrides.transport }
    applied['mocks.transport'] = overrides.transport
  }
  let { whatIf } = scenario
  if (overrides.whatIf !== undefined) {
    whatIf = overrides.whatIf.map((c) => ({ ...c, label: `${c.dependency}=${c.factor}x` }))
    applied.what_if = whatIf.map((c) => c.label).join(', ')
  }
  return { scenario: { ...scenario, seed, load, tracing, mocks, whatIf }, applied }
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
