import type { Protocol } from '../../ports/connection.port';
import type { Socket as NetSocket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { StelarClientInfo } from '../../domain/client-record';
import type { DomainStats } from '../../domain/connection-service.types';

/**
 * A complete live snapshot of server health (`server.getStats()`): totalConnections,
 * activeConnections, totalMessagesReceived, totalMessagesSent, totalRooms, uptime (ms since
 * start), wsConnections, tcpConnections, rateLimiterEntries, and the raw process.memoryUsage().
 */
export interface StelarStats extends DomainStats {
  /** Open WebSocket connections (0 when the WebSocket transport is not installed). */
  wsConnections: number;
  /** Open TCP connections (0 without a TCP transport). */
  tcpConnections: number;
  memoryUsage: NodeJS.MemoryUsage;
}

/**
 * Passed to every handler. Members exactly as the public type reference, plus `protocol` and
 * `remoteAddress` shortcuts (the seed README reads `client.protocol` in onConnection).
 */
export interface StelarContext {
  // Identity & payload
  id: string;
  socket: NetSocket;
  req: IncomingMessage | null;
  /** JSON data, or the Buffer of a binary event. Typed `any` so `ctx.data.text` works as documented. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data?: any;
  buffer?: Uint8Array;
  isBinary?: boolean;
  event?: string;
  error?: Error;
  _correlationId?: string;
  clientInfo: StelarClientInfo;
  /** Binary metadata sent by sendFile/sendImage ({ name, type, size }). */
  meta?: Readonly<Record<string, string | number | boolean>>;
  readonly protocol: Protocol;
  readonly remoteAddress: string;
  /** Handshake headers: the WS upgrade request's, or a TCP client's hello `headers`. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;

  // Send methods
  emit: (event: string, data: unknown) => void;
  send: (respId: string, data: unknown) => void;
  emitBinary: (event: string, buffer: ArrayBuffer | Uint8Array) => void;
  /** To everyone but this client (and but `excludeId` when given). */
  broadcast: (event: string, data: unknown, excludeId?: string) => void;
  broadcastBinary: (event: string, buffer: ArrayBuffer | Uint8Array) => void;
  to: (room: string, event: string, data: unknown, excludeId?: string) => void;
  toId: (id: string, event: string, data: unknown) => void;

  // Room methods
  getClients: (room?: string) => { id: string; rooms: string[] }[];
  joinRoom: (room: string) => void;
  leaveRoom: (room: string) => void;

  // Metadata
  setMetadata: (key: string, value: unknown) => void;
  getMetadata: (key: string) => unknown;

  // ACK
  ack: (ackName: string, data: unknown) => void;
}

/** Connection middleware: call next() to admit; not calling it rejects the connection. */
export interface StelarMiddleware {
  // `void` (not `void | Promise<void>`) so `return ctx.socket.destroy()` type-checks as in the
  // type reference; async middlewares still fit a void-returning signature.
  (ctx: StelarContext, next: () => void): void;
}

export type StelarEventHandler = (ctx: StelarContext) => void;
/** ACK handler: its return value (or resolved Promise) answers the request. */
export type StelarAckHandler = (ctx: StelarContext) => unknown;
export type StelarWildcardHandler = (payload: { event: string; data: StelarContext }) => void;
