import type { ProtocolError } from '../domain/errors';

/**
 * The protocol ids of the installed transports. Each transport adapter adds its own id by
 * declaration merging (`declare module '…/ports/connection.port' { interface KnownProtocols {
 * myproto: true } }`), so the id is typed where it is used (`ctx.protocol`, hook payloads,
 * `mode`) while the domain and the application never spell one out: they look transports and
 * codecs up by id.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface KnownProtocols {}

/** A transport's protocol id: one of {@link KnownProtocols}, or a third-party transport's own. */
export type Protocol = keyof KnownProtocols | (string & {});

/**
 * One encoded message, produced once by a MessageCodec and handed to any number of
 * connections of the same transport. The transport adapter may cache its framed bytes in
 * `frameCache` on first send, so a broadcast is framed once and the same bytes are written to
 * every socket.
 */
export interface OutboundMessage {
  /** Codec output: a WebSocket message body, or a complete TCP frame. */
  readonly payload: Uint8Array;
  /** WebSocket: binary (true) or text (false) message. Ignored by TCP. */
  readonly binary: boolean;
  /** Adapter-private cache slot (framed bytes). Codecs create it as undefined. */
  frameCache?: unknown;
}

/**
 * Callbacks a connection reports to. One handler object serves every connection (it receives
 * the connection as first argument), so no closures are created per connection.
 */
export interface ConnectionHandler {
  /** A complete inbound message body (WS message, or one TCP frame), already size-checked. */
  onMessage(conn: Connection, payload: Uint8Array, binary: boolean): void;
  /** The peer broke the wire protocol; the adapter closes the connection itself afterwards. */
  onProtocolError(conn: Connection, err: ProtocolError): void;
  /** Transport-level pong (WS pong frame); application pings/pongs arrive as messages. */
  onPong?(conn: Connection): void;
  /**
   * The connection can take more again: after send() returned false, its socket drained. Fires
   * once per false (adapters/socket/socket-outbox.ts).
   */
  onDrain?(conn: Connection): void;
  /** Called exactly once, whatever the cause. */
  onClose(conn: Connection, code: number, reason: string): void;
}

/**
 * `'new'`: the client wants a session and has none to resume. `'hello'`: its resume offer
 * follows as its first message (a Connect hello with `sessionOffer`), so admission waits for it.
 */
export type SessionSignal = 'new' | 'hello';

/**
 * An established, id-less message pipe to one peer. Created by a Transport, owned by the domain
 * once accepted.
 */
export interface Connection {
  readonly protocol: Protocol;
  /** The peer IP, IPv4-mapped IPv6 normalised (and X-Forwarded-For with trustProxy). */
  readonly remoteAddress: string;
  /** The raw socket (net.Socket / tls.TLSSocket) for `ctx.socket`. */
  readonly socket: unknown;
  /** The HTTP upgrade request for WebSocket (`ctx.req`), null for TCP. */
  readonly request: unknown;
  /**
   * The handshake's HTTP headers (`ctx.headers`) when the transport has them (WebSocket), read
   * without materialising `request`; absent or null otherwise (a TCP hello's headers are the
   * domain's: they arrive as a message).
   */
  readonly handshakeHeaders?: Readonly<Record<string, string | string[] | undefined>> | null;
  /**
   * Session recovery from a client that cannot send handshake headers (docs/PROTOCOL.md):
   * what its handshake asked for, when the transport carries such a signal (the WebSocket
   * upgrade URL); absent or null otherwise.
   */
  readonly sessionSignal?: SessionSignal | null;
  /** Bytes accepted by send() and not yet flushed to the kernel. */
  readonly bufferedAmount: number;
  /** True until close() is called or the peer goes away. */
  readonly isOpen: boolean;
  /** Domain-owned slot to attach the client record to (O(1) back-link, no extra Map). */
  owner: unknown;

  setHandler(handler: ConnectionHandler): void;
  /**
   * Queues one message. The same meaning on every transport: false when, after queuing,
   * `bufferedAmount` is above the connection's send limit (`maxBufferedBytes`); the connection
   * then stops reading from the peer until it drains (`onDrain`). The message is queued either
   * way: whether a peer over the limit gets more, or is dropped, is the domain's policy
   * (message-sender.service.ts), the same for every transport.
   */
  send(message: OutboundMessage): boolean;
  /** Transport-level heartbeat (WS ping frame, TCP Ping frame). */
  ping(): void;
  /** Close gracefully (WS close handshake / TCP Disconnect frame then FIN). */
  close(code: number, reason: string): void;
  /** Drop the socket now. */
  terminate(): void;
}
