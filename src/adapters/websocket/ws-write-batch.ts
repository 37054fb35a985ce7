/**
 * Per-event-loop-turn write coalescing shared by every WebSocket connection of the process.
 *
 * A connection does not write each frame to its socket: it keeps the frames of the current turn
 * and asks to be flushed. One `process.nextTick` per turn (not one per connection, not one per
 * message) flushes every connection that wrote, each with a single `socket.write()` — the way
 * uWebSockets.js corks a whole turn. A broadcast to N subscribers thus costs N syscalls per turn
 * whatever the number of messages, and an echo reply costs no cork/uncork bookkeeping.
 *
 * Handshake responses are flushed one step later (`setImmediate`, again once per turn for all
 * connections): the domain usually sends its first message from a promise continuation, after
 * the nextTick queue ran, and waiting for it lets the 101 response and that first frame leave in
 * one segment.
 */

/** Something holding frames to write (a WsConnection). */
export interface BatchedWriter {
  /** Writes everything held to the socket; a no-op when nothing is held. */
  flushWrites(): void;
}

let queued: BatchedWriter[] = [];
let spare: BatchedWriter[] = [];
let tickScheduled = false;

let handshakes: BatchedWriter[] = [];
let spareHandshakes: BatchedWriter[] = [];
let immediateScheduled = false;

/** Flushes `writer` at the end of the current turn (after the running callback and its ticks). */
export function flushSoon(writer: BatchedWriter): void {
  queued.push(writer);
  if (!tickScheduled) {
    tickScheduled = true;
    process.nextTick(flushQueued);
  }
}

/** Flushes `writer` in the check phase of this loop iteration (after promise continuations). */
export function flushAfterContinuations(writer: BatchedWriter): void {
  handshakes.push(writer);
  if (!immediateScheduled) {
    immediateScheduled = true;
    setImmediate(flushHandshakes);
  }
}

function flushQueued(): void {
  tickScheduled = false;
  // Swap lists first: a flush that makes another connection write lands in a fresh batch.
  const list = queued;
  queued = spare;
  spare = list;
  for (let i = 0; i < list.length; i++) list[i].flushWrites();
  list.length = 0;
}

function flushHandshakes(): void {
  immediateScheduled = false;
  const list = handshakes;
  handshakes = spareHandshakes;
  spareHandshakes = list;
  for (let i = 0; i < list.length; i++) list[i].flushWrites();
  list.length = 0;
}
