/** Something that queued outgoing bytes during this event-loop turn. */
export interface TcpFlushable {
  /** Writes what was queued (called once per turn in which something was queued). */
  flushQueued(): void;
}

// Connections with frames queued in this turn, in the order they first queued one. One shared
// list and a single process.nextTick per turn, however many connections a broadcast touched:
// per-connection cork() + nextTick cost about as much as the write itself on a large fanout.
const dirty: (TcpFlushable | undefined)[] = [];
let scheduled = false;

/**
 * Registers `target` for the flush at the end of this turn (process.nextTick). The caller
 * registers each target at most once per turn (it knows whether its queue was empty).
 */
export function scheduleFlush(target: TcpFlushable): void {
  dirty.push(target);
  if (!scheduled) {
    scheduled = true;
    process.nextTick(flushAll);
  }
}

/** Number of targets waiting for this turn's flush (for tests). */
export function pendingFlushCount(): number {
  return scheduled ? dirty.length : 0;
}

function flushAll(): void {
  let i = 0;
  try {
    // A flush may queue more (e.g. a handler reacting to a write error); the loop sees them.
    for (; i < dirty.length; i++) {
      const target = dirty[i] as TcpFlushable;
      dirty[i] = undefined;
      target.flushQueued();
    }
  } finally {
    if (i + 1 < dirty.length) {
      // One flush threw: the others still get theirs, on the next tick.
      dirty.splice(0, i + 1);
      process.nextTick(flushAll);
    } else {
      dirty.length = 0;
      scheduled = false;
    }
  }
}
