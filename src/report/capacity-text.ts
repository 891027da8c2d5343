// The capacity search's answer in one sentence (console, HTML, summary): a capacity claim only
// when the budgets, not the instrument, set the limit.
import type { CapacitySection } from '../contract/capacity-schema.ts'

export function capacityAnswerText(c: CapacitySection): string {
  const [lo, hi] = c.interval_rps
  const partial =
    c.status === 'complete' ? '' : ` (search stopped early: ${c.status.replace('_', ' ')}; a partial answer)`
  if (c.limited_by === 'instrument')
    return `No capacity claim: the harness cannot measure beyond ${c.instrument_ceiling_rps} req/s on this machine (a step was untrusted before any budget failed)${lo !== null ? `; every budget passed up to ${lo} req/s` : ''}${partial}.`
  if (lo === null) return `A budget did not pass even at ${hi} req/s, the lowest rate tried${partial}.`
  if (hi === null)
    return `Every budget passed up to ${lo} req/s, the highest rate tried (capacity ≥ ${lo} req/s)${partial}.`
  const by = c.limited_by ? `; first to break above it: ${c.limited_by.target} ${c.limited_by.metric}` : ''
  return `Capacity ${lo} req/s, between ${lo} and ${hi} req/s${by}${partial}.`
}
