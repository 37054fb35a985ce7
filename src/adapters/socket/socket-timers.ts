import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * The close timer of a connection: destroys `socket` after `ms` unless cleared first (the peer
 * never finished the close handshake, or never sent its FIN). Unref'd: it never keeps the
 * process alive. The callback is module-level and takes the socket as argument, so arming it
 * creates no closure.
 */
export function armCloseTimer(socket: Socket | Duplex, ms: number): NodeJS.Timeout {
  const timer = setTimeout(destroySocket, ms, socket);
  timer.unref();
  return timer;
}

/** Clears a timer from {@link armCloseTimer} (or any timer); returns null for the field. */
export function clearTimer(timer: NodeJS.Timeout | null): null {
  if (timer !== null) clearTimeout(timer);
  return null;
}

function destroySocket(socket: Socket | Duplex): void {
  socket.destroy();
}
