// JSON text of the hot messages (events, requests, answers), written by concatenation instead
// of JSON.stringify of a temporary object: the same text — same keys, same order, keys whose
// value has no JSON form (undefined, a function, a symbol) left out — for 15-30 % less CPU per
// message (bench/micro/server-hot-path.bench.js). One difference is out of reach: a `toJSON(key)`
// method of the data receives '' instead of its key.

/** `prefix` + the JSON of `value`, or '' when `value` has no JSON form (undefined, a function…). */
export function jsonField(prefix: string, value: unknown): string {
  if (value === undefined) return '';
  // Finite numbers print the same in JSON and in String(): skip the stringifier.
  if (typeof value === 'number' && Number.isFinite(value)) return prefix + value;
  const json: string | undefined = JSON.stringify(value);
  return json === undefined ? '' : prefix + json;
}

/** Joins two object members with a comma, either of which may be '' (left out). */
export function jsonJoin(a: string, b: string): string {
  if (a === '') return b;
  return b === '' ? a : a + ',' + b;
}

/**
 * JSON.stringify({ [k1]: v1, [k2]: v2, [k3]: v3 }) where each `kN` is given already quoted with
 * its colon (`'"id":'`).
 */
export function jsonObject3(k1: string, v1: unknown, k2: string, v2: unknown, k3: string, v3: unknown): string {
  return '{' + jsonJoin(jsonJoin(jsonField(k1, v1), jsonField(k2, v2)), jsonField(k3, v3)) + '}';
}

// Event and ack names repeat: their quoted forms are cached, up to MAX_QUOTED names.
const QUOTED = new Map<string, string>();
const MAX_QUOTED = 1024;

/** JSON.stringify(name), cached for the first {@link MAX_QUOTED} distinct names. */
export function quoteName(name: string): string {
  let q = QUOTED.get(name);
  if (q === undefined) {
    q = JSON.stringify(name);
    if (QUOTED.size < MAX_QUOTED) QUOTED.set(name, q);
  }
  return q;
}
