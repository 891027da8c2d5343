// Which injected failure (if any) a mocked call suffers. The listed failures own disjoint slices
// of [0, 1) in list order (inverse-CDF sampling of a categorical distribution); the rest of the
// interval means success. Exactly one uniform draw per call, whatever the outcome, so the stream
// position depends only on the number of calls.

import type { Rng } from '../rng.ts'
import type { FailureMode } from '../scenario/schema.ts'

// Tolerates float rounding in sums like 0.1 + 0.2 + 0.7.
const SUM_TOLERANCE = 1e-9

export function sumProbabilities(failures: readonly FailureMode[]): number {
  return failures.reduce((sum, failure) => sum + failure.probability, 0)
}

export function createFailurePicker(failures: FailureMode[], rng: Rng): () => FailureMode | undefined {
  const total = sumProbabilities(failures)
  if (total > 1 + SUM_TOLERANCE) {
    throw new RangeError(
      `Failed to set up failure injection: the failure probabilities sum to ${Number(total.toPrecision(12))}, more than 1. Lower them so that they sum to at most 1.`,
    )
  }
  const list = [...failures]
  const upperBounds: number[] = []
  let cumulative = 0
  for (const failure of list) {
    cumulative += failure.probability
    upperBounds.push(cumulative)
  }
  return () => {
    const u = rng.next()
    for (let i = 0; i < list.length; i++) {
      if (u < upperBounds[i]!) return list[i]
    }
    return undefined
  }
}
