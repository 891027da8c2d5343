// Span times to the microsecond. The OpenTelemetry JS SDK (2.x) starts a span on Date.now(), in
// whole milliseconds, unless it is given a start time; and once it is given one, it ends the span
// and stamps its events on Date.now() as well unless given those too. So the endpoint starts,
// ends and stamps every span with spanNow(): durations, offsets between spans (the critical
// path's gaps) and event offsets (the first token of a streamed answer) are then exact on one
// clock instead of carrying up to a millisecond of rounding.
import type { HrTime } from '@opentelemetry/api'
import { millisToHrTime } from '@opentelemetry/core'

export function spanNow(): HrTime {
  return millisToHrTime(performance.timeOrigin + performance.now())
}
