import type { Protocol } from '../../ports/connection.port';
import type { Socket as NetSocket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { StelarClientInfo } from '../../domain/client-record';
import type { DomainStats } from '../../domain/connection-service.types';
import type {
  BinaryEventNames,
  DefaultClientData,
  DefaultEventsMap,
  EventAnswer,
  EventNames,
  EventPayload,
  EventsMap,
  IsUntyped,
} from '../event-map.types';

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
 *
 * Typed by the server's event maps (see event-map.types.ts): `Listen` (what clients send),
 * `Emit` (what the server sends), `Data` (the per-client `setMetadata`/`getMetadata` store) and
 * `Payload` (this handler's `ctx.data`). Without type arguments names are strings and data `any`.
 */
export interface StelarContext<
  Listen extends EventsMap = DefaultEventsMap,
  Emit extends EventsMap = DefaultEventsMap,
  Data extends object = DefaultClientData,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  Payload = any,
> {
  // Identity & payload
  id: string;
  socket: NetSocket;
  req: IncomingMessage | null;
  /**
   * The event's payload (JSON data, or the Buffer of a binary event), typed by the `Listen`
   * map's entry of the handler's event; `any` without maps so `ctx.data.text` works as documented.
   */
  data: Payload;
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

  // Send methods (event names and payloads from the `Emit` map)
  emit: <E extends EventNames<Emit>>(event: E, data: EventPayload<Emit, E>) => void;
  send: (respId: string, data: unknown) => void;
  emitBinary: <E extends BinaryEventNames<Emit>>(event: E, buffer: ArrayBuffer | Uint8Array) => void;
  /** To everyone but this client (and but `excludeId` when given). */
  broadcast: <E extends EventNames<Emit>>(event: E, data: EventPayload<Emit, E>, excludeId?: string) => void;
  broadcastBinary: <E extends BinaryEventNames<Emit>>(event: E, buffer: ArrayBuffer | Uint8Array) => void;
  to: <E extends EventNames<Emit>>(room: string, event: E, data: EventPayload<Emit, E>, excludeId?: string) => void;
  toId: <E extends EventNames<Emit>>(id: string, event: E, data: EventPayload<Emit, E>) => void;

  // Room methods
  getClients: (room?: string) => { id: string; rooms: string[] }[];
  joinRoom: (room: string) => void;
  leaveRoom: (room: string) => void;

  // Connection
  /** Closes this client (WS close frame / TCP Disconnect) with `code` (default 1000) and `reason`. */
  disconnect: (code?: number, reason?: string) => void;

  // Metadata (the per-client data, typed by `Data`)
  setMetadata: <K extends keyof Data & string>(key: K, value: Data[K]) => void;
  getMetadata: <K extends keyof Data & string>(key: K) => Data[K] | undefined;

  // ACK
  ack: (ackName: string, data: unknown) => void;
}

/**
 * The context of middleware, `onConnection` and `onDisconnect` (no inbound message): `ctx.data`
 * is `undefined` once the server is typed (`any` for the untyped API).
 */
export type StelarConnectionContext<
  Listen extends EventsMap = DefaultEventsMap,
  Emit extends EventsMap = DefaultEventsMap,
  Data extends object = DefaultClientData,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
> = StelarContext<Listen, Emit, Data, IsUntyped<Listen> extends true ? any : undefined>;

/** The context of the handler of event `E` of `Listen`. */
export type StelarEventContext<
  Listen extends EventsMap,
  Emit extends EventsMap,
  Data extends object,
  E extends keyof Listen,
> = StelarContext<Listen, Emit, Data, EventPayload<Listen, E>>;

/** Connection middleware: call next() to admit; not calling it rejects the connection. */
export interface StelarMiddleware<
  Listen extends EventsMap = DefaultEventsMap,
  Emit extends EventsMap = DefaultEventsMap,
  Data extends object = DefaultClientData,
> {
  // `void` (not `void | Promise<void>`) so `return ctx.socket.destroy()` type-checks as in the
  // type reference; async middlewares still fit a void-returning signature.
  (ctx: StelarConnectionContext<Listen, Emit, Data>, next: () => void): void;
}

export type StelarEventHandler<
  Listen extends EventsMap = DefaultEventsMap,
  Emit extends EventsMap = DefaultEventsMap,
  Data extends object = DefaultClientData,
  E extends keyof Listen = keyof Listen,
> = (ctx: StelarEventContext<Listen, Emit, Data, E>) => void;

/** `onConnection` / `onDisconnect` handler. */
export type StelarConnectionHandler<
  Listen extends EventsMap = DefaultEventsMap,
  Emit extends EventsMap = DefaultEventsMap,
  Data extends object = DefaultClientData,
> = (ctx: StelarConnectionContext<Listen, Emit, Data>) => void;

/**
 * ACK handler: its return value (or resolved Promise) answers the request; with maps it must be
 * the answer type of request `E` (its entry's return type).
 */
export type StelarAckHandler<
  Listen extends EventsMap = DefaultEventsMap,
  Emit extends EventsMap = DefaultEventsMap,
  Data extends object = DefaultClientData,
  E extends keyof Listen = keyof Listen,
> = (ctx: StelarEventContext<Listen, Emit, Data, E>) => IsUntyped<Listen> extends true
  ? unknown
  : EventAnswer<Listen, E> | PromiseLike<EventAnswer<Listen, E>>;

export type StelarWildcardHandler<
  Listen extends EventsMap = DefaultEventsMap,
  Emit extends EventsMap = DefaultEventsMap,
  Data extends object = DefaultClientData,
> = (payload: { event: string; data: StelarEventContext<Listen, Emit, Data, keyof Listen> }) => void;
