import WebSocket from 'ws';
import type { StelarServer } from '../../src';
import { rawTcp, tcpFrame } from './raw-clients';
import { until } from './server-kit';

/**
 * A raw member of `room` (a bare TCP client for mode 'tcp', else the `ws` package's client) that
 * reads until the returned function is called, then never again: the slow reader of the
 * backpressure tests.
 */
export async function pausableMember(server: StelarServer, mode: string, room: string): Promise<() => void> {
  if (mode === 'tcp') {
    const raw = await rawTcp(server.getTcpPort()!);
    raw.socket.write(tcpFrame(6, '', '{"v":1}'));
    await until(() => raw.frames().some((f) => f.type === 6));
    raw.socket.write(tcpFrame(8, room, ''));
    return () => raw.socket.pause();
  }
  const ws = new WebSocket(`ws://127.0.0.1:${server.getPort()}/`);
  await new Promise((r) => ws.on('open', r));
  ws.send(JSON.stringify({ t: 8, room }));
  return () => (ws as unknown as { _socket: { pause(): void } })._socket.pause();
}

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
