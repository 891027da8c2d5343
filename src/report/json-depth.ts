// How deep a parsed JSON value nests, found without recursion, so a hostile file (5,000 nested
// arrays) is refused with its path instead of overflowing the stack in whatever walks it next
// (zod, the redaction, the renderers). A report the harness writes nests 8 levels deep.
export const MAX_REPORT_DEPTH = 64

// The path of the first value nested deeper than maxDepth (e.g. "trust.extra.a.a.…"), or
// undefined when the whole value is within it. Depth counts objects and arrays: {} is 1.
export function tooDeepPath(value: unknown, maxDepth: number): string | undefined {
  const stack: { value: unknown; depth: number; path: string[] }[] = [{ value, depth: 0, path: [] }]
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.value === null || typeof item.value !== 'object') continue
    const depth = item.depth + 1
    if (depth > maxDepth) return shortPath(item.path)
    for (const [key, inner] of Object.entries(item.value))
      if (inner !== null && typeof inner === 'object')
        stack.push({ value: inner, depth, path: [...item.path, key] })
  }
  return undefined
}

function shortPath(path: readonly string[]): string {
  if (path.length === 0) return '(top)'
  return path.length <= 6 ? path.join('.') : `${path.slice(0, 6).join('.')}.… (${path.length} levels)`
}
