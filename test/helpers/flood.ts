import type { StelarServer } from '../../src';

/**
 * Sends `tick` events of `payload` to `room`, one per event-loop turn (a reader that keeps up
 * keeps up), while the room still has `members` members, at most `max` times: until a paused
 * reader has filled the kernel's socket buffers (a few MB on loopback) and then the server's
 * maxBufferedBytes, and is dropped. Returns how many were sent.
 */
export async function floodRoom(server: StelarServer, room: string, payload: string, members: number, max = 5000): Promise<number> {
  let sent = 0;
  while (server.getRoomMembers(room).length === members && sent < max) {
    server.to(room, 'tick', payload);
    sent++;
    await new Promise((r) => setImmediate(r));
  }
  return sent;
}
