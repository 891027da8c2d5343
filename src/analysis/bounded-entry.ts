// The entry for `key` in a map that may hold at most `max` keys: the one there, else a new one
// from `create` while there is room, else undefined (the caller counts the key as dropped). Span
// names, dependencies and attribute keys come from the service under test, so every map keyed by
// them is bounded this way: memory stays fixed whatever the service sends. `create` takes the key, so
// a caller on the request path can pass a module-level function and allocate nothing per lookup.
export function boundedEntry<K, V>(
  map: Map<K, V>,
  key: K,
  max: number,
  create: (key: K) => V,
): V | undefined {
  let entry = map.get(key)
  if (entry === undefined && map.size < max) {
    entry = create(key)
    map.set(key, entry)
  }
  return entry
}
