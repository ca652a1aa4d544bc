/**
 * Adds `delta` to `key`'s count in `counts`, forgetting a key whose count is back to 0 (so
 * a map of open connections or held requests per user or address holds only those with some).
 */
export function addCount(counts: Map<string, number>, key: string, delta: number): void {
  const next = (counts.get(key) ?? 0) + delta;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}
