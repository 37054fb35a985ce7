import type { Socket as NetSocket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { StelarClientInfo } from '../../domain/client-record';

/** A complete live snapshot of server health (`server.getStats()`). */
export interface StelarStats {
  totalConnections: number;
  activeConnections: number;
  totalMessagesReceived: number;
  totalMessagesSent: number;
  totalRooms: number;
  /** Milliseconds since start(). */
  uptime: number;
  wsConnections: number;
  tcpConnections: number;
  memoryUsage: NodeJS.MemoryUsage;
  rateLimiterEntries: number;
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
  readonly protocol: 'ws' | 'tcp';
  readonly remoteAddress: string;

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
  (ctx: StelarContext, next: () => void): void | Promise<void>;
}

export type StelarEventHandler = (ctx: StelarContext) => void;
/** ACK handler: its return value (or resolved Promise) answers the request. */
export type StelarAckHandler = (ctx: StelarContext) => unknown;
export type StelarWildcardHandler = (payload: { event: string; data: StelarContext }) => void;
