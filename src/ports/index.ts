export * from './maybe-promise';
export * from './connection.port';
export * from './transport.port';
export * from './message-codec.port';
export * from './rate-limiter.port';
export * from './ip-tracker.port';
export * from './clock.port';
export * from './id-generator.port';
export * from './logger.port';
export * from './cluster-bus.port';
export * from './client-transport.port';
export * from './metrics.port';
export * from './http-fallback.port';
export * from './session-store.port';
export * from './stream-store.port';

import { ConnectionAcceptor, Transport } from './transport.port';
import { MessageCodec } from './message-codec.port';
import { IRateLimiter, RateLimiterFactory } from './rate-limiter.port';
import { IIPTracker } from './ip-tracker.port';
import { Clock } from './clock.port';
import { IdGenerator } from './id-generator.port';
import { Logger } from './logger.port';
import { ClusterBus } from './cluster-bus.port';
import { HttpFallback } from './http-fallback.port';
import { SessionStore, SessionTokenGenerator } from './session-store.port';
import { StreamStore } from './stream-store.port';

/**
 * Every port token in one place (the ports' Symbol.for('stelar.…') ids). Each is bound by the
 * composition root (`application/container.ts`) or a transport plug-in's module, and read by a
 * service; `IRateLimiter` is the one optional token (bound only for a custom global limiter).
 */
export const TOKENS = {
  Transport,
  ConnectionAcceptor,
  MessageCodec,
  IRateLimiter,
  RateLimiterFactory,
  IIPTracker,
  Clock,
  IdGenerator,
  Logger,
  ClusterBus,
  HttpFallback,
  SessionStore,
  SessionTokenGenerator,
  StreamStore,
} as const;
