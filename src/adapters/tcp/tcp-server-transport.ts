import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Connection, ConnectionHandler } from '../../ports/connection.port';
import type { Clock } from '../../ports/clock.port';
import type { Logger } from '../../ports/logger.port';
import type { MessageCodec } from '../../ports/message-codec.port';
import type { ConnectionAcceptor, HandshakeInfo, Refusal, Transport, TransportLimits } from '../../ports/transport.port';
import { CloseCode, StelarErrorCode, type ProtocolError, type StelarError } from '../../domain/errors';
import { TcpBinaryCodec } from '../codec/tcp-binary.codec';
import { PAUSE_SCREENING, TcpConnection, normaliseAddress, type TcpConnectionOptions } from './tcp-connection';
import { checkHello, isPlainHello } from './tcp-hello';
import { destroyTlsSocket, peerKey, rawCloseListener, type Attempt } from './tcp-attempt';
import { DeadlineSweep } from '../socket/deadline-sweep';
import { isPending, screenAttempt } from '../socket/screening';
import { ErrorPrefix, createError } from '../socket/protocol-errors';
import { positiveOption } from '../socket/option-checks';
import { AttemptReports } from '../socket/attempt-reports';
import { HandshakeGate, type HandshakeAdmissionOptions } from '../socket/handshake-admission';
import { DEFAULT_LISTEN_BACKLOG, listenBacklogOption } from '../socket/listen-backlog';
import { busyRefusal } from './tcp-busy-refusal';
import { shapeWritableState } from '../socket/writable-shape';

/** Options of the binary TCP listener. */
export interface TcpServerTransportOptions extends HandshakeAdmissionOptions {
  /** Listen backlog (the kernel caps it at net.core.somaxconn). Default 4096. */
  readonly listenBacklog?: number;
  /** Port to listen on; 0 picks an ephemeral one. */
  readonly port: number;
  /** Interface to bind (default: all). */
  readonly host?: string;
  /** When set, a TLS server (tls.createServer) with these options. */
  readonly tls?: tls.TlsOptions | null;
  /** Largest frame `totalLen` (default 10 MiB). */
  readonly maxFrameSize?: number;
  /** Largest frame body (default 10 MiB). */
  readonly maxPayloadSize?: number;
  /** Ms a new socket has to send its Connect hello (default 10000). Also the TLS handshake timeout. */
  readonly connectTimeout?: number;
  /** send() returns false, and reading pauses, above this many buffered bytes per connection (default 16 MiB; dropping a slow consumer is the domain's rule). */
  readonly maxBufferedBytes?: number;
  /** Ms close() waits for the peer's FIN before destroying the socket (default 2000). */
  readonly closeTimeout?: number;
  /** The codec of hello, Disconnect and Error frames (injected: `TCP_TOKENS.Codec`). Default a TcpBinaryCodec. */
  readonly codec?: MessageCodec;
  /** Where errors of the listening socket are reported (injected: `TOKENS.Logger`). Default: nowhere. */
  readonly logger?: Logger;
  /**
   * The clock of the hello deadlines and close timers (injected: `TOKENS.Clock`). Default: the
   * system clock; every timer unref'd.
   */
  readonly clock?: Clock;
}

/** Defaults of {@link TcpServerTransportOptions}. */
export const TCP_DEFAULTS = {
  maxFrameSize: 10 * 1024 * 1024,
  maxPayloadSize: 10 * 1024 * 1024,
  connectTimeout: 10_000,
  maxBufferedBytes: 16 * 1024 * 1024,
  closeTimeout: 2_000,
} as const;

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
export { PROTOCOL_VERSION } from './tcp-hello';

/**
 * The binary TCP listener (plain `net` or `tls`) behind the Transport port. For each socket:
 * `acceptor.screen(info)` right away (reading stays paused meanwhile), then the client must send
 * its Connect hello within `connectTimeout`; on the hello `acceptor.accept(conn)` hands the
 * connection to the domain, which then receives the hello itself as its first message.
 * Until then this transport is the connection's handler (one object for every connection).
 */
export class TcpServerTransport implements Transport, ConnectionHandler {
  readonly protocol = 'tcp' as const;

  private acceptor: ConnectionAcceptor | null = null;
  private server: net.Server | null = null;
  private boundPort: number | null = null;
  /**
   * Attempts not yet accepted (from the socket's arrival: TLS handshake, screening, hello), each
   * with its connect deadline (one timer for them all).
   */
  private readonly pending: DeadlineSweep<Attempt>;
  /** TLS only: attempts still in their handshake, by `address:port` of the peer. */
  private readonly handshaking = new Map<string, Attempt>();
  /**
   * Attempts by the socket they read from (the raw socket until its TLS handshake is done, then
   * the TLS socket), only until accepted or ended. Kept here, not as a property of the socket:
   * every property a socket ever had stays in its object for the connection's lifetime (8 B per
   * idle connection), and nothing needs the attempt once the hello is in.
   */
  private readonly attempts = new Map<net.Socket, Attempt>();
  /** TLS only: the raw socket under a handshake closed (one listener for all; `this` is the socket). */
  private readonly onRawClose = rawCloseListener(this);
  private connOptions: TcpConnectionOptions;
  private readonly connectTimeout: number;
  /** The storm guard (handshake-admission.ts): sheds with the pre-encoded Error (retry hint) + Disconnect. */
  private readonly gate: HandshakeGate;
  /** Attempts that end before accept (deadlines, a first frame that is no hello), reported to the acceptor. */
  private readonly reports: AttemptReports;
  private readonly backlog: number;

  constructor(private readonly options: TcpServerTransportOptions) {
    const port = options.port;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new RangeError(`Invalid TCP port ${port}`);
    }
    this.connectTimeout = positiveOption('connectTimeout', options.connectTimeout, TCP_DEFAULTS.connectTimeout);
    this.connOptions = {
      maxFrameSize: positiveOption('maxFrameSize', options.maxFrameSize, TCP_DEFAULTS.maxFrameSize),
      maxPayloadSize: positiveOption('maxPayloadSize', options.maxPayloadSize, TCP_DEFAULTS.maxPayloadSize),
      maxBufferedBytes: positiveOption('maxBufferedBytes', options.maxBufferedBytes, TCP_DEFAULTS.maxBufferedBytes),
      closeTimeout: positiveOption('closeTimeout', options.closeTimeout, TCP_DEFAULTS.closeTimeout),
      codec: options.codec ?? DEFAULT_CODEC,
      clock: options.clock,
    };
    this.pending = new DeadlineSweep<Attempt>(this.connectTimeout, (attempt) => this.timedOut(attempt), options.clock);
    const codec = this.connOptions.codec ?? DEFAULT_CODEC;
    this.gate = new HandshakeGate(options, this.connOptions.closeTimeout, options.clock, (a) => busyRefusal(codec, a.retryAfterMs));
    this.reports = new AttemptReports('tcp', this.connectTimeout);
    this.backlog = listenBacklogOption(options.listenBacklog, DEFAULT_LISTEN_BACKLOG);
  }

  /** Live limit change; connections accepted afterwards parse with the new limits. */
  updateLimits(limits: TransportLimits): void {
    this.connOptions = {
      ...this.connOptions,
      maxFrameSize: positiveOption('maxFrameSize', limits.maxFrameSize, this.connOptions.maxFrameSize),
      maxPayloadSize: positiveOption('maxPayloadSize', limits.maxPayloadSize, this.connOptions.maxPayloadSize),
    };
  }

  /** An error of the listening socket after listen() (e.g. EMFILE on accept): logged, never thrown. */
  private readonly onServerError = (err: Error): void => {
    this.options.logger?.warn(`TCP listener error: ${err.message}`);
  };

  setAcceptor(acceptor: ConnectionAcceptor): void {
    this.acceptor = acceptor;
  }

  /** Resolves with the bound port once listening (rejects on EADDRINUSE and the like). */
  listen(): Promise<number> {
    shapeWritableState();
    if (this.server !== null) return Promise.reject(new Error('The TCP transport is already listening'));
    let server: net.Server;
    try {
      // noDelay: Nagle off at accept, in the server's own accept path (one setsockopt, no JS
      // call per socket); writes are already coalesced per event-loop turn.
      server = this.options.tls
        ? tls.createServer({ handshakeTimeout: this.connectTimeout, noDelay: true, ...this.options.tls })
        : net.createServer({ noDelay: true });
    } catch (err) {
      // e.g. an unparsable TLS key or certificate
      return Promise.reject(err);
    }
    this.server = server;
    // Every socket is an attempt from its arrival (before its TLS handshake): screened and
    // counted then, and given connectTimeout in all for the handshake and the hello.
    server.on('connection', this.onSocket);
    if (this.options.tls) {
      server.on('secureConnection', this.onSecure);
      // A failed or timed-out handshake: Node leaves the socket open once this event has a
      // listener, so it is destroyed here (the raw socket's 'close' releases the attempt).
      server.on('tlsClientError', destroyTlsSocket);
    }
    return new Promise<number>((resolve, reject) => {
      const onListenError = (err: Error): void => {
        this.gate.stop();
        this.server = null;
        this.detach(server);
        reject(err);
      };
      server.once('error', onListenError);
      this.gate.start();
      server.listen({ port: this.options.port, host: this.options.host, backlog: this.backlog }, () => {
        server.removeListener('error', onListenError);
        server.on('error', this.onServerError);
        this.boundPort = (server.address() as net.AddressInfo).port;
        resolve(this.boundPort);
      });
    });
  }

  port(): number | null {
    return this.boundPort;
  }

  /**
   * Stops listening and drops sockets that were never accepted. Accepted connections belong to
   * the domain and are left open. Resolves once the listening socket is closed (it does not wait
   * for the accepted connections, unlike net.Server's close callback).
   */
  close(): Promise<void> {
    const server = this.server;
    if (server === null) return Promise.resolve();
    this.server = null;
    this.boundPort = null;
    const pending = [...this.pending.keys()];
    this.pending.clear();
    for (const attempt of pending) this.end(attempt, null);
    this.handshaking.clear();
    this.attempts.clear();
    this.gate.stop();
    return new Promise<void>((resolve) => {
      server.close();
      this.detach(server);
      setImmediate(resolve);
    });
  }

  private detach(server: net.Server): void {
    server.removeListener('connection', this.onSocket);
    server.removeListener('secureConnection', this.onSecure);
  }

  /** Number of attempts in their TLS handshake, screening or waiting for their Connect hello. */
  pendingCount(): number {
    return this.pending.size;
  }

  // --- arrival and screening -----------------------------------------------------------------

  private readonly onSocket = (socket: net.Socket): void => {
    const remoteAddress = normaliseAddress(socket.remoteAddress);
    // The storm guard, before screening, TLS or parsing work: a plain socket gets the
    // pre-encoded refusal with its retry hint; one about to start TLS is closed.
    const tlsStage = Boolean(this.options.tls);
    const inProgress = tlsStage ? this.handshaking.size : this.pending.size;
    if (!this.gate.admit(socket, inProgress, tlsStage, this.acceptor, 'tcp', remoteAddress)) return;
    const info: HandshakeInfo = { protocol: 'tcp', remoteAddress, originApplies: false, headers: NO_HEADERS };
    const attempt: Attempt = { info, raw: socket, conn: null, screening: true, reserved: false };
    // Screen first: a synchronous verdict (the usual case) lets the socket flow from the start,
    // without a pause/resume round per socket.
    const verdict = screenAttempt(this.acceptor, info);
    this.pending.add(attempt);
    this.attempts.set(socket, attempt);
    if (this.options.tls) {
      // The TLS socket arrives on 'secureConnection'; until then the attempt is the raw socket.
      this.handshaking.set(peerKey(socket), attempt);
      socket.once('close', this.onRawClose);
    } else {
      attempt.conn = new TcpConnection(socket, this.connOptions, this, remoteAddress);
    }
    if (isPending(verdict)) {
      attempt.conn?.pauseReading(PAUSE_SCREENING);
      verdict.then((r) => this.screened(attempt, r));
    } else {
      this.screened(attempt, verdict);
    }
  };

  /** TLS: the handshake of an attempt finished; its connection starts (hello deadline unchanged). */
  private readonly onSecure = (socket: tls.TLSSocket): void => {
    const key = peerKey(socket);
    const attempt = this.handshaking.get(key);
    if (attempt === undefined || !this.pending.has(attempt)) {
      // Ended meanwhile (refused, timed out, transport closed).
      socket.destroy();
      return;
    }
    this.handshaking.delete(key);
    const raw = attempt.raw;
    this.attempts.delete(raw);
    raw.removeListener('close', this.onRawClose);
    // TLS is up: past the bound (or with the loop behind) the refusal goes over it, hint and all.
    if (!this.gate.admit(socket, this.pending.size - this.handshaking.size - 1, false, this.acceptor, 'tcp', attempt.info.remoteAddress)) {
      this.pending.delete(attempt);
      this.release(attempt);
      return;
    }
    this.attempts.set(socket, attempt);
    const conn = new TcpConnection(socket, this.connOptions, this, attempt.info.remoteAddress);
    attempt.conn = conn;
    if (attempt.screening) conn.pauseReading(PAUSE_SCREENING);
  };

  private screened(attempt: Attempt, refusal: Refusal | null): void {
    attempt.screening = false;
    if (refusal === null) attempt.reserved = true;
    if (!this.pending.has(attempt)) {
      // Gone while the verdict was on its way: give the slot back.
      this.release(attempt);
      return;
    }
    if (refusal !== null) {
      this.pending.delete(attempt);
      this.end(attempt, { code: refusal.code, message: refusal.reason, closeCode: refusal.closeCode });
      return;
    }
    attempt.conn?.resumeReading(PAUSE_SCREENING);
  }

  /** Ends an attempt (already out of `pending`): the error frame when it has a connection. */
  private end(attempt: Attempt, err: StelarError | { code: string; message: string; closeCode: number } | null): void {
    this.release(attempt);
    const conn = attempt.conn;
    if (conn === null) this.handshaking.delete(peerKey(attempt.raw));
    this.attempts.delete(conn === null ? attempt.raw : conn.socket);
    if (conn === null) attempt.raw.destroy();
    else if (err === null) conn.terminate();
    else conn.fail(err);
  }

  /** Gives the attempt's slot back to the acceptor (once). */
  private release(attempt: Attempt): void {
    if (!attempt.reserved) return;
    attempt.reserved = false;
    this.acceptor?.abandon?.(attempt.info);
  }

  /** The attempt of a connection still waiting for its hello, if any. */
  private attemptOf(conn: TcpConnection): Attempt | undefined {
    const a = this.attempts.get(conn.socket);
    return a !== undefined && a.conn === conn ? a : undefined;
  }

  /** The sweep found an attempt past its deadline (already out of `pending`). */
  private timedOut(attempt: Attempt): void {
    const reason = this.reports.timedOut(this.acceptor, attempt.info.remoteAddress, attempt.conn === null ? 'tls' : 'hello');
    this.end(attempt, createError(ErrorPrefix.None, reason, StelarErrorCode.ConnectTimeout, CloseCode.PolicyViolation));
  }

  /** @internal the raw socket of a TLS attempt closed (handshake failed, peer left…). */
  rawClosed(socket: net.Socket): void {
    const attempt = this.attempts.get(socket);
    this.attempts.delete(socket);
    if (attempt === undefined || attempt.conn !== null) return;
    this.handshaking.delete(peerKey(socket));
    if (this.pending.delete(attempt)) this.release(attempt);
  }

  // --- ConnectionHandler until accepted -------------------------------------------------------

  /** The first frame must be the Connect hello; it is then handed over with the connection. */
  onMessage(conn: Connection, payload: Uint8Array, binary: boolean): void {
    const tcp = conn as TcpConnection;
    const attempt = this.attemptOf(tcp);
    if (attempt === undefined || !this.pending.delete(attempt)) return;
    if (this.gate.gone(tcp.socket, this.acceptor, 'tcp', attempt.info.remoteAddress)) return this.end(attempt, null);
    const problem = isPlainHello(payload) ? null : checkHello(tcp, payload, this.connOptions.codec ?? DEFAULT_CODEC);
    if (problem !== null) {
      // Refused before the domain sees it: reported (counted under one code, throttled log).
      this.reports.badHandshake(this.acceptor, attempt.info.remoteAddress, problem.message);
      return this.end(attempt, problem);
    }
    const acceptor = this.acceptor;
    if (acceptor === null) return this.end(attempt, INTERNAL_ERROR);
    attempt.reserved = false;
    this.attempts.delete(tcp.socket);
    try {
      acceptor.accept(tcp, attempt.info);
    } catch {
      return tcp.fail(INTERNAL_ERROR);
    }
    const handler = tcp.getHandler();
    // The domain's handler receives the (validated) hello itself as its first message.
    if (tcp.isOpen && handler !== this) handler.onMessage(tcp, payload, binary);
  }

  onProtocolError(_conn: Connection, _err: ProtocolError): void {
    // The connection sends the Error frame and closes itself; onClose cleans up.
  }

  onClose(conn: Connection): void {
    const tcp = conn as TcpConnection;
    const attempt = this.attemptOf(tcp);
    if (attempt === undefined) return;
    this.attempts.delete(tcp.socket);
    if (this.pending.delete(attempt)) this.release(attempt);
  }
}

const DEFAULT_CODEC = new TcpBinaryCodec();

const INTERNAL_ERROR = {
  code: StelarErrorCode.Internal,
  message: 'The server could not accept the connection',
  closeCode: CloseCode.InternalError,
} as const;

