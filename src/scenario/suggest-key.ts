// "Did you mean …?" for misspelt keys and names. Distance is the optimal-string-alignment
// variant of Damerau–Levenshtein, so a swap of two neighbouring letters ("laod" → "load")
// costs 1 like any other single slip of the fingers.

export function editDistance(a: string, b: string): number {
  const rows = a.length + 1
  const cols = b.length + 1
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1)
      }
      d[i]![j] = best
    }
  }
  return d[a.length]![b.length]!
}

// The tolerance grows with the length of what was typed (a third of it, at most 3) and stays
// below that length, so that "x" is not "corrected" to "k": a wrong suggestion is worse than none.
export function suggestKey(typed: string, known: Iterable<string>): string | undefined {
  const needle = typed.toLowerCase()
  const limit = Math.min(3, Math.max(1, Math.ceil(needle.length / 3)))
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const candidate of known) {
    const distance = editDistance(needle, candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best !== undefined && bestDistance <= limit && bestDistance < needle.length ? best : undefined
}
