import { endCoalescingPass } from './frame-coalescer';

/**
 * The per-turn write scheduler shared by every connection of the process, WebSocket and TCP,
 * server and client side.
 *
 * A connection does not write each frame to its socket: it keeps the frames (socket-outbox.ts)
 * and asks to be flushed. One `setImmediate` per event-loop turn (not one per connection, not
 * one per message) flushes every connection that wrote, each with a single `socket.write()`,
 * the way uWebSockets.js corks a whole loop iteration. The check phase runs right after the poll
 * phase, so every socket read of the turn (libuv may deliver several reads of one socket, each
 * its own callback) and the promise continuations they started are covered: a broadcast to N
 * subscribers costs N syscalls per turn whatever the number of messages. (Flushing at the end
 * of each 'data' callback instead made WebSocket echo slower, and TCP no faster:
 * docs/PERFORMANCE.md, "Tried, measured, not kept".)
 *
 * A flush that throws (a bug, or a socket in a state it should never be in) costs only its own
 * connection: the writer's `flushFailed` drops it and the pass goes on with the others.
 */

/** Something holding frames to write (a connection's outbox). */
export interface ScheduledWriter {
  /** Writes everything held to the socket; a no-op when nothing is held. */
  flushWrites(): void;
  /** `flushWrites` threw: give up on this connection (destroy its socket). Must not throw. */
  flushFailed(err: unknown): void;
}

let queued: ScheduledWriter[] = [];
let spare: ScheduledWriter[] = [];
let scheduled = false;

/**
 * Flushes `writer` in the check phase of this turn. The caller registers each writer at most
 * once per turn (it knows whether it already held frames).
 */
export function scheduleFlush(writer: ScheduledWriter): void {
  queued.push(writer);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushQueued);
  }
}

/** Number of writers waiting for this turn's flush (for tests). */
export function pendingFlushCount(): number {
  return queued.length;
}

function flushQueued(): void {
  scheduled = false;
  // Swap lists first: a flush that makes another connection write lands in the next pass.
  const list = queued;
  queued = spare;
  spare = list;
  for (let i = 0; i < list.length; i++) {
    const writer = list[i];
    try {
      writer.flushWrites();
    } catch (err) {
      failed(writer, err);
    }
  }
  list.length = 0;
  endCoalescingPass();
}

function failed(writer: ScheduledWriter, err: unknown): void {
  try {
    writer.flushFailed(err);
  } catch {
    // flushFailed must not throw; if it does, the other writers still matter more.
  }
}
