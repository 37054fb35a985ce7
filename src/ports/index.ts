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

import { Transport, Transports } from './transport.port';
import { MessageCodec, WsCodec, TcpCodec } from './message-codec.port';
import { IRateLimiter, RateLimiterFactory } from './rate-limiter.port';
import { IIPTracker } from './ip-tracker.port';
import { Clock } from './clock.port';
import { IdGenerator } from './id-generator.port';
import { Logger } from './logger.port';
import { ClusterBus } from './cluster-bus.port';
import { ClientTransportFactory } from './client-transport.port';

/** Every container token in one place (the ports' Symbol.for('stelar.…') ids). */
export const TOKENS = {
  Transport,
  Transports,
  MessageCodec,
  WsCodec,
  TcpCodec,
  IRateLimiter,
  RateLimiterFactory,
  IIPTracker,
  Clock,
  IdGenerator,
  Logger,
  ClusterBus,
  ClientTransportFactory,
} as const;
