/** Small helpers for closing ioredis clients and bounding waits on them. */
import type { Clock } from '../../ports/clock.port';
import type { RedisClientLike, RedisConstructorLike } from './ioredis.loader';
import { type RedisConnectionOptions, type RedisTarget, isNodeList } from './redis-cluster-bus.options';

/**
 * Creates (without connecting: `lazyConnect`) the publisher or subscriber connection. User
 * options override the defaults, except the few that the bus's guarantees rely on.
 */
export function createRedisClient(
  Redis: RedisConstructorLike,
  target: string | RedisConnectionOptions,
  role: 'pub' | 'sub',
): RedisClientLike {
  const opts: Record<string, unknown> = {
    // Quick reconnects, capped: an outage is survived by retrying forever.
    retryStrategy: (times: number) => Math.min(50 * times, 2000),
    // ioredis arms this (non-unref'd) timer on disconnect() even when the socket is already
    // gone (stop() during an outage); keep it short so stop() leaves nothing running for long.
    disconnectTimeout: 200,
    // A Redis that accepts the TCP connection but never answers must not hold a reconnect forever.
    connectTimeout: 2000,
    ...(typeof target === 'string' ? {} : target),
    lazyConnect: true,
  };
  if (role === 'pub') {
    // At-most-once: a publish while disconnected fails now (and is dropped with a warning)
    // instead of being queued without bound, or re-sent (so maybe doubled) after a reconnect.
    Object.assign(opts, {
      // Publishes issued in one event-loop turn leave in one socket write.
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
    });
  } else {
    opts.autoResubscribe = true;
  }
  return typeof target === 'string' ? new Redis(target, opts) : new Redis(opts);
}

/** Where the bus connects, for error messages (the password is masked). */
export function describeRedisTarget(target: RedisTarget): string {
  if (isNodeList(target)) return target.map(describeRedisTarget).join(', ');
  if (typeof target === 'string') return target.replace(/\/\/[^@/]*@/, '//***@');
  return target.path ?? `${target.host ?? '127.0.0.1'}:${target.port ?? 6379}`;
}

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
