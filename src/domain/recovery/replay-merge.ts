import type { StreamEntry, StreamRead } from '../../ports/stream-store.port';
import type { StelarMessage } from '../message';
import { withPosition } from './stream-names';

/** What a replay gives: every missed message with its position, or why not. */
export type ReplayResult =
  | { readonly ok: true; readonly missed: readonly StelarMessage[] }
  | { readonly ok: false; readonly reason: 'history' | 'epoch' | 'unavailable' };

/**
 * Every stream's missed entries (skipping what the session was excluded from), in send order:
 * merged by `seq` without ever reordering one stream (a networked store's `seq` is the append
 * time, which two publishers may take out of their offset order).
 */
export function merge(id: string, wires: readonly string[], reads: readonly StreamRead[]): ReplayResult {
  const lists: (readonly StreamEntry[])[] = [];
  let total = 0;
  for (const r of reads) {
    if (!r.ok) return r;
    lists.push(r.entries);
    total += r.entries.length;
  }
  const heads = new Array<number>(lists.length).fill(0);
  const missed: StelarMessage[] = [];
  for (let n = 0; n < total; n++) {
    let best = -1;
    for (let i = 0; i < lists.length; i++) {
      if (heads[i] < lists[i].length && (best < 0 || lists[i][heads[i]].seq < lists[best][heads[best]].seq)) best = i;
    }
    const entry = lists[best][heads[best]++];
    if (entry.exclude === id || entry.exclude2 === id) continue;
    const r = reads[best] as Extract<StreamRead, { ok: true }>;
    missed.push(withPosition(entry.message, { stream: wires[best], offset: entry.offset, epoch: r.epoch }));
  }
  return { ok: true, missed };
}

/** Compares two tokens in time independent of where they differ. */
export function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length || a.length === 0) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
