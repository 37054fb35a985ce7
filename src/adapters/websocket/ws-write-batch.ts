import { endCoalescingPass } from '../socket/frame-coalescer';

/**
 * Per-event-loop-iteration write coalescing shared by every WebSocket connection of the process.
 *
 * A connection does not write each frame to its socket: it keeps the frames and asks to be
 * flushed. One `setImmediate` per loop iteration (not one per connection, not one per message)
 * flushes every connection that wrote, each with a single `socket.write()` — the way
 * uWebSockets.js corks a whole loop iteration. The check phase runs right after the poll phase,
 * so every socket read of the iteration (libuv may deliver several reads of one socket, each its
 * own callback) and the promise continuations they started are covered: a broadcast to N
 * subscribers costs N syscalls per iteration whatever the number of messages, and the 101
 * response leaves with the first frames the domain sends while accepting.
 */

/** Something holding frames to write (a WsConnection). */
export interface BatchedWriter {
  /** Writes everything held to the socket; a no-op when nothing is held. */
  flushWrites(): void;
}

let queued: BatchedWriter[] = [];
let spare: BatchedWriter[] = [];
let scheduled = false;

/** Flushes `writer` in the check phase of this loop iteration. */
export function flushSoon(writer: BatchedWriter): void {
  queued.push(writer);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushQueued);
  }
}

function flushQueued(): void {
  scheduled = false;
  // Swap lists first: a flush that makes another connection write lands in a fresh batch.
  const list = queued;
  queued = spare;
  spare = list;
  for (let i = 0; i < list.length; i++) list[i].flushWrites();
  list.length = 0;
  endCoalescingPass();
}
