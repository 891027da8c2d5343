// How much of a parent span's time each child accounts for on the critical path, and the
// parent's self time (when no child runs).
//
// Rule (a sweep over the union of the children's intervals, each clipped to the parent): at every
// moment, among the children running, the one that ends last is "the longer one" and gets that
// moment; a moment when no child runs is the parent's self time. Ties go to the child that
// started first, then to the earlier in input order. So the children's critical-path times and
// the self time add up to the parent's duration exactly, and a child that runs entirely beside a
// longer sibling gets 0.
//
// This follows the idea of Jaeger UI's critical path (jaeger-ui, "CriticalPath", 2023:
// computeCriticalPath walks back from the parent's end through its "last finishing child"),
// with one deliberate difference for partial overlaps: Jaeger, after taking the last finishing
// child B, only considers siblings that finished before B started, so the part of an overlapping
// sibling A that ran before B started counts as the parent's self time. Here that part counts for
// A, because A was the work in progress then: for A = [0, 10] and B = [5, 15] under [0, 15],
// Jaeger gives B 10 and self 5; this gives A 5 and B 10. For sequential children (this pipeline's
// stages) both agree with the plain durations.
//
// Cost: O(k log k) for k children with an insertion sort (k is 1–10 here), no allocation in
// splitCriticalPath when the caller passes its scratch arrays.

export type Interval = { startMs: number; endMs: number }
export type NamedInterval = Interval & { name: string }
export type CriticalPathSplit = { childMs: number[]; selfTimeMs: number }

// The core: starts/ends of `count` children; adds each child's critical-path ms into outMs[i]
// (the caller zeroes it); returns the parent's self time. `order` is scratch of length ≥ count.
export function splitCriticalPath(
  parentStartMs: number,
  parentEndMs: number,
  startsMs: ArrayLike<number>,
  endsMs: ArrayLike<number>,
  count: number,
  outMs: { [index: number]: number },
  order: { [index: number]: number; length: number },
): number {
  if (!(parentEndMs > parentStartMs)) return 0
  // Stable insertion sort of indices by start: equal starts keep their input order, and the sweep
  // below lets a later one take over only if it ends strictly later.
  for (let i = 0; i < count; i++) {
    let j = i
    const s = startsMs[i]!
    while (j > 0 && startsMs[order[j - 1]!]! > s) {
      order[j] = order[j - 1]!
      j--
    }
    order[j] = i
  }

  let selfMs = 0
  let owner = -1 // the running child that ends last
  let ownerSinceMs = parentStartMs
  let coveredToMs = parentStartMs // end of the owner, or the parent's start before any child
  for (let k = 0; k < count; k++) {
    const i = order[k]!
    const s = Math.max(startsMs[i]!, parentStartMs)
    const e = Math.min(endsMs[i]!, parentEndMs)
    if (!(e > s)) continue // empty, outside the parent, or NaN
    if (owner === -1 || s >= coveredToMs) {
      // Nothing runs between the owner's end and this start: the parent's own time.
      if (owner !== -1) outMs[owner] = outMs[owner]! + (coveredToMs - ownerSinceMs)
      selfMs += s - coveredToMs
      owner = i
      ownerSinceMs = s
      coveredToMs = e
    } else if (e > coveredToMs) {
      // Starts while the owner runs and outlasts it: from now on it is the longer one.
      outMs[owner] = outMs[owner]! + (s - ownerSinceMs)
      owner = i
      ownerSinceMs = s
      coveredToMs = e
    }
    // else: runs wholly beside the owner and ends no later, so it is never the longer one.
  }
  if (owner !== -1) outMs[owner] = outMs[owner]! + (coveredToMs - ownerSinceMs)
  selfMs += parentEndMs - coveredToMs
  return selfMs
}

export function criticalPath(parent: Interval, children: readonly Interval[]): CriticalPathSplit {
  const childMs = new Array<number>(children.length).fill(0)
  const selfTimeMs = splitCriticalPath(
    parent.startMs,
    parent.endMs,
    children.map((c) => c.startMs),
    children.map((c) => c.endMs),
    children.length,
    childMs,
    new Array<number>(children.length),
  )
  return { childMs, selfTimeMs }
}

// The same, summed per child name (retries of one call, a stage run twice).
export function criticalPathByName(
  parent: Interval,
  children: readonly NamedInterval[],
): { byName: Record<string, number>; selfTimeMs: number } {
  const { childMs, selfTimeMs } = criticalPath(parent, children)
  const byName: Record<string, number> = {}
  children.forEach((child, i) => {
    byName[child.name] = (byName[child.name] ?? 0) + childMs[i]!
  })
  return { byName, selfTimeMs }
}
