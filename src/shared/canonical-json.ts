/**
 * The canonical JSON text of a value (RFC 8785, JSON Canonicalization Scheme, for the values
 * the service writes: objects, arrays, strings, finite numbers, booleans, null): object
 * members sorted by key (UTF-16 code units), no whitespace, numbers and strings as ECMAScript
 * serialises them. Two values with the same content have the same text, whatever the order
 * their keys were built or stored in (PostgreSQL's jsonb reorders them).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('canonical JSON has no text for a number that is not finite');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new Error(`canonical JSON has no text for a ${typeof value}`);
}
