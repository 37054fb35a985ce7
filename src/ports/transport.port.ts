import type { MaybePromise } from './maybe-promise';
import type { Connection, Protocol } from './connection.port';

/** What a transport knows about a connection attempt before it is established. */
export interface HandshakeInfo {
  readonly protocol: Protocol;
  readonly remoteAddress: string;
  /**
   * True when the transport speaks to browsers, whose `Origin` header is trustworthy (RFC 6455
   * §10.2): `allowedOrigins` then applies and a missing origin is refused. False for transports
   * without a browser origin (TCP, in-process), which are never origin-checked.
   */
  readonly originApplies: boolean;
  /** The browser's Origin header, when {@link originApplies}. */
  readonly origin?: string;
  readonly path?: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** Why a connection attempt was refused. `status` is the HTTP status for WebSocket upgrades. */
export interface Refusal {
  readonly status: number;
  readonly closeCode: number;
  readonly code: string;
  readonly reason: string;
}

/**
 * An attempt a transport ended at one of its own bounds before it became a connection (TLS
 * handshake or hello/upgrade deadline, …): reported so the domain can log it.
 */
export interface AttemptEnded {
  readonly protocol: Protocol;
  readonly remoteAddress: string;
  /** A StelarErrorCode, e.g. STELAR_ERR_CONNECT_TIMEOUT. */
  readonly code: string;
  readonly reason: string;
}

/**
 * The domain side of a transport: screens attempts and takes ownership of connections.
 *
 * An attempt that passes `screen` holds a slot of the connection caps (`maxConnections` and the
 * per-IP tracker) from that moment: the transport then calls exactly one of `accept(conn, info)`
 * (the slot passes to the connection) or `abandon(info)` (the attempt died first: socket closed,
 * handshake or hello failed or timed out), with the same `info` object it screened.
 */
export interface ConnectionAcceptor {
  /** Called before the protocol handshake completes; null admits (and reserves), a Refusal rejects. */
  screen(info: HandshakeInfo): MaybePromise<Refusal | null>;
  /**
   * A connection passed screening and completed its handshake. `info`: the screened attempt
   * whose slot it takes (omitted by transports that do not screen).
   */
  accept(conn: Connection, info?: HandshakeInfo): void;
  /** The attempt screened (admitted) with `info` ended before accept(): releases its slot. */
  abandon?(info: HandshakeInfo): void;
  /** A transport ended an attempt at one of its bounds (for the log; no slot involved). */
  attemptEnded?(event: AttemptEnded): void;
}

/** Size limits a transport enforces while parsing (from the frame header, before buffering). */
export interface TransportLimits {
  readonly maxPayloadSize?: number;
  readonly maxFrameSize?: number;
}

/** A listening transport (WebSocket over http/https, binary TCP over net/tls, in-process…). */
export interface Transport {
  readonly protocol: Protocol;
  setAcceptor(acceptor: ConnectionAcceptor): void;
  /** Resolves once listening; returns the bound port (0 picks an ephemeral one). */
  listen(): Promise<number>;
  /** The bound port, or null when not listening. */
  port(): number | null;
  /** Stops accepting; existing connections are left to the caller. Resolves when closed. */
  close(): Promise<void>;
  /** Live limit change (`updateConfig`); applies to connections accepted afterwards. */
  updateLimits?(limits: TransportLimits): void;
}

/** The domain's acceptor (the connection service), injected into every transport plug-in's listener. */
export const ConnectionAcceptor = Symbol.for('stelar.ConnectionAcceptor');

/**
 * Multi-bound: each transport plug-in's container module binds its listener here (or nothing,
 * e.g. TCP without a `tcpPort`); the server runs every one (`container.getAll(TOKENS.Transport)`).
 */
export const Transport = Symbol.for('stelar.Transport');
