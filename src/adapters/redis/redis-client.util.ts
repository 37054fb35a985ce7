/** Small helpers for closing ioredis clients and bounding waits on them. */
import type { Clock } from '../../ports/clock.port';
import type { RedisClientLike } from './ioredis.loader';

/** Resolves/rejects like `p`, or rejects after `ms` (the timer is cleared either way). */
export function settleWithin<T>(p: Promise<T>, ms: number, clock: Clock): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clock.clearTimeout(timer);
        resolve(v);
      },
      (err) => {
        clock.clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/**
 * Closes a client for good: QUIT when connected (flushes pending publishes), then disconnect so
 * no reconnect timer survives, waits (bounded) for the 'end' state and removes every listener.
 */
export async function closeClient(client: RedisClientLike, clock: Clock): Promise<void> {
  if (client.status === 'ready') {
    await settleWithin(client.quit(), 1000, clock).catch(() => {});
  }
  if (SOCKET_OPEN.has(client.status)) {
    const ended = new Promise<void>((resolve) => client.on('end', resolve));
    client.disconnect();
    await settleWithin(ended, 1000, clock).catch(() => {});
  } else if (client.status !== 'end') {
    // No socket (waiting to reconnect): disconnect() just cancels the reconnect timer.
    client.disconnect();
  }
  client.removeAllListeners();
  // ioredis ignores errors once 'end'; otherwise a late socket error must not be unhandled.
  if (client.status !== 'end') client.on('error', noop);
}

function noop(): void {}

/** States in which a socket exists, so disconnect() ends with an 'end' event. */
const SOCKET_OPEN = new Set(['connecting', 'connect', 'ready', 'monitoring']);
