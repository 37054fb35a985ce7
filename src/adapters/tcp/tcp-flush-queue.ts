import { endCoalescingPass } from '../socket/frame-coalescer';

/** Something that queued outgoing bytes during this event-loop turn. */
export interface TcpFlushable {
  /** Writes what was queued (called once per turn in which something was queued). */
  flushQueued(): void;
}

// Connections with frames queued in this turn, in the order they first queued one. One shared
// list and a single process.nextTick per turn, however many connections a broadcast touched:
// per-connection cork() + nextTick cost about as much as the write itself on a large fanout.
const dirty: (TcpFlushable | undefined)[] = [];
/** A process.nextTick flush is queued. */
let tickScheduled = false;
/** Nesting depth of inbound-data callbacks (see enterInbound). */
let inboundDepth = 0;

/**
 * Registers `target` for the flush at the end of this turn: at the end of the inbound-data
 * callback being run, else on process.nextTick. The caller registers each target at most once
 * per turn (it knows whether its queue was empty).
 */
export function scheduleFlush(target: TcpFlushable): void {
  dirty.push(target);
  if (inboundDepth === 0 && !tickScheduled) scheduleTick();
}

/**
 * Marks the start of a socket 'data' callback: what it queues is flushed when the matching
 * {@link leaveInbound} ends the outermost one, without a process.nextTick per request.
 */
export function enterInbound(): void {
  inboundDepth++;
}

/** Ends a socket 'data' callback (call it in a `finally`); the outermost one flushes. */
export function leaveInbound(): void {
  if (--inboundDepth === 0 && dirty.length > 0) flushAll();
}

/** Number of targets waiting for a flush (for tests). */
export function pendingFlushCount(): number {
  return dirty.length;
}

function scheduleTick(): void {
  tickScheduled = true;
  process.nextTick(onTick);
}

function onTick(): void {
  tickScheduled = false;
  flushAll();
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
      if (!tickScheduled) scheduleTick();
    } else {
      dirty.length = 0;
    }
    endCoalescingPass();
  }
}
