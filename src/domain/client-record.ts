import type { Connection, Protocol } from '../ports/connection.port';
import type { ConnectMessage, StelarMessage } from './message';

/**
 * Describes a connected client (`ctx.clientInfo`, `server.getClients()`), exactly as the public
 * type reference defines it. The object held by a {@link ClientRecord} is kept live: counters,
 * `lastPing` and `rooms` change in place.
 */
export interface StelarClientInfo {
  id: string;
  rooms: Set<string>;
  lastPing: number;
  protocol: 'ws' | 'tcp';
  connectedAt: number;
  metadata: Map<string, unknown>;
  messagesReceived: number;
  messagesSent: number;
  remoteAddress: string;
}

/** Where a record is in its life. Numeric constants keep the hot-path comparisons cheap. */
export const ClientState = {
  /** Accepted by the transport, middleware running; not registered, messages dropped. */
  Admitting: 0,
  /** Registered and talking. */
  Open: 1,
  /** Refused or being closed: waiting for the transport's onClose. Messages dropped. */
  Closing: 2,
  /** onClose handled; every index entry is gone. */
  Closed: 3,
} as const;
export type ClientState = (typeof ClientState)[keyof typeof ClientState];

/**
 * The domain's per-connection record. `conn.owner` points back to it, so a connection's record
 * is found in O(1) without a Map.
 */
export class ClientRecord {
  /** The public, live view of this client. */
  readonly info: StelarClientInfo;
  state: ClientState = ClientState.Admitting;
  /** True while this record holds an admission slot (middleware running). */
  holdsAdmissionSlot = false;
  /**
   * Inbound messages waiting for an async rate-limit answer, head first; null when none is
   * pending (always null with a synchronous limiter), so order is kept without per-message
   * closures on the sync path.
   */
  inbox: StelarMessage[] | null = null;
  /** The context built for middleware and onConnection (owned by the application layer). */
  connectionContext: unknown = undefined;
  /**
   * The TCP client's Connect hello (its `headers` are what middleware sees as handshake
   * headers); null for WebSocket, whose HTTP upgrade request is the hello.
   */
  hello: ConnectMessage | null = null;

  constructor(
    id: string,
    readonly conn: Connection,
    now: number,
  ) {
    this.info = {
      id,
      rooms: new Set(),
      lastPing: now,
      protocol: conn.protocol,
      connectedAt: now,
      metadata: new Map(),
      messagesReceived: 0,
      messagesSent: 0,
      remoteAddress: conn.remoteAddress,
    };
  }

  get id(): string {
    return this.info.id;
  }

  get protocol(): Protocol {
    return this.info.protocol;
  }

  get isOpen(): boolean {
    return this.state === ClientState.Open;
  }
}
