/**
 * Pure functions that validate the answers other nodes send (untrusted network input) and merge
 * them with the local answer into one cluster-wide value.
 */

/** A client as reported by `clients()`. */
export interface ClusterClientInfo {
  id: string;
  rooms: string[];
}

/** True for an array of strings. */
export function isStringArray(v: unknown): v is string[] {
  if (!Array.isArray(v)) return false;
  for (const s of v) if (typeof s !== 'string') return false;
  return true;
}

/** True for `{ id: string, rooms: string[] }[]`. */
export function isClientList(v: unknown): v is ClusterClientInfo[] {
  if (!Array.isArray(v)) return false;
  for (const c of v) {
    if (c === null || typeof c !== 'object') return false;
    const o = c as { id?: unknown; rooms?: unknown };
    if (typeof o.id !== 'string' || !isStringArray(o.rooms)) return false;
  }
  return true;
}

/**
 * True for a plain (non-array) object: a node's stats record. Values are not checked, because
 * stats are passed through per node and only {@link sumStats} computes with them (numbers only).
 */
export function isStatsRecord(v: unknown): v is Record<string, number> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Union of string lists, first-seen order, no duplicates (rooms, room members). */
export function mergeStringLists(lists: readonly (readonly string[])[]): string[] {
  const seen = new Set<string>();
  for (const list of lists) for (const s of list) seen.add(s);
  return [...seen];
}

/**
 * Concatenates per-node client lists. A client id normally lives on one node; if two nodes
 * report the same id (a reconnect racing the query) the entries are merged and rooms unioned.
 */
export function mergeClientLists(
  lists: readonly (readonly ClusterClientInfo[])[],
): ClusterClientInfo[] {
  const byId = new Map<string, ClusterClientInfo>();
  for (const list of lists) {
    for (const c of list) {
      const prev = byId.get(c.id);
      if (prev === undefined) byId.set(c.id, { id: c.id, rooms: [...c.rooms] });
      else prev.rooms = mergeStringLists([prev.rooms, c.rooms]);
    }
  }
  return [...byId.values()];
}

/**
 * Sums per-node stats key by key (the cluster view). Keys missing on a node count as 0; values
 * that are not finite numbers (nested objects such as memory usage) are left out.
 */
export function sumStats(list: readonly Record<string, unknown>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const rec of list) {
    for (const k of Object.keys(rec)) {
      const v = rec[k];
      if (typeof v === 'number' && Number.isFinite(v)) out[k] = (out[k] ?? 0) + v;
    }
  }
  return out;
}
