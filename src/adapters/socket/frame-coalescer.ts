/**
 * One copy per broadcast pass, shared by every socket: the frames a connection queued during one
 * event-loop turn are copied into one buffer for a single write(), and the next connection that
 * queued the very same frames (by identity: encoded and framed broadcasts are immutable and
 * shared) gets that same buffer instead of a copy of its own. Used by both transports
 * (ws-outbox.ts, tcp-connection.ts); each ends its flush pass with {@link endCoalescingPass} so
 * the last batch never pins memory.
 */

let lastFirst: Uint8Array | null = null;
// A private copy of the frame list: callers may reuse or clear their own arrays afterwards.
let lastMore: Uint8Array[] | null = null;
let lastOut: Buffer | null = null;

/** The frames `first, ...more` (`total` bytes) in one buffer, shared with the previous caller's if equal. */
export function coalesceFrames(first: Uint8Array, more: readonly Uint8Array[], total: number): Buffer {
  if (first === lastFirst && lastMore !== null && more.length === lastMore.length && sameFrames(more, lastMore)) {
    return lastOut as Buffer;
  }
  const out = Buffer.allocUnsafe(total);
  out.set(first, 0);
  let off = first.length;
  for (let i = 0; i < more.length; i++) {
    out.set(more[i], off);
    off += more[i].length;
  }
  lastFirst = first;
  lastMore = more.slice();
  lastOut = out;
  return out;
}

/** Forgets the last batch (end of a flush pass). */
export function endCoalescingPass(): void {
  lastFirst = null;
  lastMore = null;
  lastOut = null;
}

function sameFrames(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
