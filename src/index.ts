import 'reflect-metadata';
import { StelarServer } from './application/server/stelar-server';

// The server and its public types.
export * from './application';
// The Node client (browsers: 'stelar-time-real/browser').
export * from './client';
// Ports (interfaces + container tokens) and the message model, for custom adapters.
export * from './ports';
export * from './domain/message';
export * from './domain/errors';
export type { StelarClientInfo } from './domain/client-record';
export type * from './domain/hooks.types';
// Default adapters, for users who compose their own wiring.
export { TokenBucketRateLimiter } from './adapters/memory/token-bucket-rate-limiter.adapter';
export { MemoryIPTracker } from './adapters/memory/ip-tracker.adapter';
export { ConsoleLogger, SilentLogger } from './adapters/memory/console-logger.adapter';
export { SystemClock } from './adapters/memory/system-clock.adapter';
export { MemoryClusterBus } from './adapters/memory/memory-cluster-bus.adapter';
export { WsJsonCodec } from './adapters/codec/ws-json.codec';
export { TcpBinaryCodec } from './adapters/codec/tcp-binary.codec';
// Transport plug-ins: each is one container module (its protocol id, codec token and listener).
export { WS_PROTOCOL } from './adapters/websocket/ws.protocol';
export { webSocketTransport, WS_TOKENS, type WebSocketTransportOptions } from './adapters/websocket/ws.module';
export { TCP_PROTOCOL } from './adapters/tcp/tcp.protocol';
export { tcpTransport, TCP_TOKENS, type TcpTransportOptions } from './adapters/tcp/tcp.module';
// The in-process transport: a real server without sockets (tests, embedding).
export { MEMORY_PROTOCOL } from './adapters/memory/in-process.protocol';
export { inProcessTransport, MEMORY_TOKENS, type InProcessTransportOptions } from './adapters/memory/in-process.module';
export { InProcessNetwork, IN_PROCESS_NETWORK } from './adapters/memory/in-process.network';
export { InProcessClientTransportFactory } from './adapters/memory/in-process-client.transport';
export { InProcessServerTransport } from './adapters/memory/in-process-server.transport';
export { InProcessCodec } from './adapters/memory/in-process.codec';
// Redis cluster bus (ioredis is loaded only when one is constructed).
export * from './adapters/redis';

export { StelarServer };
/** 2.x-style `import StelarServer from 'stelar-time-real'`. */
export default StelarServer;
