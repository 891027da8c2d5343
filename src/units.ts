const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(us|µs|ms|s|m|h)$/
const MS_PER_UNIT: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** Parses '250ms', '1.5s', '10m'. Returns undefined for anything else (negative values included). */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text.trim())
  if (!match) return undefined
  return Number(match[1]) * MS_PER_UNIT[match[2]!]!
}

export function formatDurationMs(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

const PERCENT_PATTERN = /^(\d+(?:\.\d+)?)%$/

/** '5%' → 0.05; a bare number in [0, 1] is taken as a fraction. */
export function parseFraction(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined
  const match = PERCENT_PATTERN.exec(value.trim())
  return match ? Number(match[1]) / 100 : undefined
}

export function hrtimeToMs(hr: readonly [number, number]): number {
  return hr[0] * 1e3 + hr[1] / 1e6
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
