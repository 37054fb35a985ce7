import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Clock } from '../../ports/clock.port';
import type { AttemptEnded, ConnectionAcceptor } from '../../ports/transport.port';
import { StelarErrorCode } from '../../domain/errors';
import { DeadlineSweep } from './deadline-sweep';
import { PROCESS_LAG, type LagSource } from './event-loop-lag.monitor';

/** Options of {@link HandshakeAdmission} (the server options of the same names). */
export interface HandshakeAdmissionOptions {
  /**
   * Most handshakes in progress per listener and stage: sockets in their TLS handshake, and
   * sockets that have not sent their HTTP upgrade request or TCP hello yet. A socket arriving
   * above it is shed. Default 1024.
   */
  readonly maxPendingHandshakes?: number;
  /** New handshakes are shed while the event-loop lag is above this many ms; 0 never. Default 200. */
  readonly shedLagMs?: number;
  /** The retry hint a shed socket gets (ms; `Retry-After` in whole seconds). Default 1000. */
  readonly shedRetryAfter?: number;
  /** Where the lag is read (default: the process-wide monitor, one unref'd 50 ms timer). */
  readonly lag?: LagSource;
  /**
   * Lag sheds only while at least this many handshakes are in progress (a crowd): a lone
   * connection is never refused because the loop is slow for another reason. Default 32.
   */
  readonly lagCrowd?: number;
}

/** Defaults of {@link HandshakeAdmissionOptions}. */
export const HANDSHAKE_ADMISSION_DEFAULTS = {
  maxPendingHandshakes: 1024,
  shedLagMs: 200,
  shedRetryAfter: 1000,
  lagCrowd: 32,
} as const;

/** Why a handshake was shed: too many in progress, or the event loop is behind. */
export type ShedReason = 'pending' | 'lag';

/**
 * The storm guard of one listener: decides, as a socket arrives (before any parsing, TLS or
 * screening work), whether the server takes on another handshake. Above `maxPendingHandshakes`
 * handshakes in progress, or while the event loop lags more than `shedLagMs` with a crowd
 * (`lagCrowd`) of handshakes in progress, the socket is
 * shed: it gets the transport's pre-built refusal with the retry hint (a 503 with `Retry-After`,
 * a pre-encoded TCP Error frame) or, inside a TLS handshake where nothing can be said yet, is
 * just closed. Each shed and each socket found gone before its handshake is reported to the
 * acceptor (`attemptEnded`: counted by code, one throttled log line). One object per listener.
 */
export class HandshakeAdmission {
  readonly maxPending: number;
  readonly shedLagMs: number;
  readonly retryAfterMs: number;
  readonly lagCrowd: number;
  private readonly lag: LagSource;
  private started = false;

  constructor(options: HandshakeAdmissionOptions = {}) {
    this.maxPending = wholeAtLeast('maxPendingHandshakes', options.maxPendingHandshakes, HANDSHAKE_ADMISSION_DEFAULTS.maxPendingHandshakes, 1);
    this.shedLagMs = wholeAtLeast('shedLagMs', options.shedLagMs, HANDSHAKE_ADMISSION_DEFAULTS.shedLagMs, 0);
    this.retryAfterMs = wholeAtLeast('shedRetryAfter', options.shedRetryAfter, HANDSHAKE_ADMISSION_DEFAULTS.shedRetryAfter, 1);
    this.lagCrowd = wholeAtLeast('lagCrowd', options.lagCrowd, HANDSHAKE_ADMISSION_DEFAULTS.lagCrowd, 0);
    this.lag = options.lag ?? PROCESS_LAG;
  }

  /** `Retry-After` in whole seconds (at least 1). */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.retryAfterMs / 1000));
  }

  /** The listener starts: lag measuring starts when lag shedding is on. */
  start(): void {
    if (this.started) return;
    this.started = true;
    if (this.shedLagMs > 0) this.lag.acquire();
  }

  /** The listener stops (every start is paired with one stop). */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    if (this.shedLagMs > 0) this.lag.release();
  }

  /** Null admits one more handshake with `inProgress` already running; otherwise why not. */
  check(inProgress: number): ShedReason | null {
    if (inProgress >= this.maxPending) return 'pending';
    if (this.shedLagMs > 0 && this.started && inProgress >= this.lagCrowd && this.lag.lagMs() > this.shedLagMs) return 'lag';
    return null;
  }

  /** Reports a shed socket to the acceptor (counted as `STELAR_ERR_SERVER_BUSY`, logged throttled). */
  reportShed(acceptor: ConnectionAcceptor | null, protocol: AttemptEnded['protocol'], remoteAddress: string, why: ShedReason): void {
    acceptor?.attemptEnded?.({
      protocol,
      remoteAddress,
      code: StelarErrorCode.ServerBusy,
      reason:
        why === 'pending'
          ? `handshake shed: ${this.maxPending} handshakes in progress (maxPendingHandshakes), retry in ${this.retryAfterMs} ms`
          : `handshake shed: event-loop lag above ${this.shedLagMs} ms (shedLagMs), retry in ${this.retryAfterMs} ms`,
    });
  }

  /** Reports a socket whose peer left before its handshake was worked on (`STELAR_ERR_PEER_GONE`). */
  reportPeerGone(acceptor: ConnectionAcceptor | null, protocol: AttemptEnded['protocol'], remoteAddress: string): void {
    acceptor?.attemptEnded?.({ protocol, remoteAddress, code: StelarErrorCode.PeerGone, reason: 'peer left before its handshake: not handshaked' });
  }
}

/** True when the peer of `socket` is gone (destroyed, or no longer writable/readable): no handshake work for it. */
export function peerGone(socket: Duplex): boolean {
  return socket.destroyed || !socket.writable || socket.readableEnded;
}

const kShed = Symbol('stelar.shedSockets');
type ShedSocket = Duplex & { [kShed]?: ShedSockets };

/**
 * Sockets being shed: each got its pre-built refusal and our FIN (`end`), and is destroyed when
 * the peer closes or, at the latest, after `lingerMs` (one sweep timer for them all). Ending
 * instead of destroying keeps the peer's unread request from turning our close into a reset
 * that could discard the refusal before the peer reads it.
 */
export class ShedSockets {
  private readonly lingering: DeadlineSweep<Duplex>;

  constructor(lingerMs: number, clock?: Clock) {
    this.lingering = new DeadlineSweep<Duplex>(lingerMs, destroySocket, clock);
  }

  /** Sockets still lingering. */
  get size(): number {
    return this.lingering.size;
  }

  /** Writes `refusal` (pre-built bytes), ends the socket and reads (discarding) until the peer's FIN. */
  shed(socket: Duplex, refusal: Uint8Array): void {
    const s = socket as ShedSocket;
    s[kShed] = this;
    socket.on('error', noop);
    socket.once('close', onShedClose);
    socket.end(refusal);
    socket.resume();
    this.lingering.add(socket);
  }

  /** @internal the socket closed. */
  closed(socket: Duplex): void {
    (socket as ShedSocket)[kShed] = undefined;
    this.lingering.delete(socket);
  }

  /** Destroys every lingering socket (listener closing). */
  clear(): void {
    const sockets = [...this.lingering.keys()];
    this.lingering.clear();
    for (const s of sockets) s.destroy();
  }
}

/** True for a socket being shed (its refusal is written; nothing else may be done with it). */
export function isShed(socket: Duplex): boolean {
  return (socket as ShedSocket)[kShed] !== undefined;
}

/** Closes a socket without a word (shed inside a TLS handshake: nothing can be said yet). */
export function dropSocket(socket: Socket): void {
  socket.on('error', noop);
  socket.destroy();
}

function onShedClose(this: Duplex): void {
  (this as ShedSocket)[kShed]?.closed(this);
}

function destroySocket(socket: Duplex): void {
  socket.destroy();
}

function noop(): void {}

function wholeAtLeast(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer ≥ ${min}, got ${String(value)}`);
  }
  return value;
}
