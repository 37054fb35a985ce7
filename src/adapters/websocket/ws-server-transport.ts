import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectionAcceptor, HandshakeInfo, Refusal, Transport, TransportLimits } from '../../ports/transport.port';
import { UpgradeRouter, clearConnectTimer, normalizePath, type UpgradeRoute } from '../http/upgrade-router';
import { OwnPortListener } from '../http/own-port.listener';
import type { UpgradeRequest } from '../http/upgrade-request.types';
import { WS_DEFAULTS } from './ws-constants';
import { UpgradeRequestSnapshot } from './upgrade-request.snapshot';
import { WsConnection } from './ws-connection';
import { abortHandshake, remoteAddressOf, stripMapped, switchingProtocolsResponse, validateUpgradeRequest } from './ws-handshake';
import { parseExtensions } from './ws-extensions';
import { PerMessageDeflate, negotiateServer, type DeflateParams, type PerMessageDeflateOptions } from './permessage-deflate';
import { DeadlineSweep } from '../socket/deadline-sweep';
import type { CloseTimerSettings } from '../socket/socket-timers';
import { isPending, screenAttempt } from '../socket/screening';
import { positiveOption as positive } from '../socket/option-checks';
import { AttemptReports } from '../socket/attempt-reports';
import { HandshakeGate, isShed } from '../socket/handshake-admission';
import { DEFAULT_LISTEN_BACKLOG, listenBacklogOption } from '../socket/listen-backlog';
import { busyResponse } from './ws-busy-response';
import { WsTlsAttempts } from './ws-tls-attempts';
import type { WsServerTransportOptions } from './ws-server-transport.options';
import { shapeWritableState } from '../socket/writable-shape';

export type { WsServerTransportOptions } from './ws-server-transport.options';

/**
 * RFC 6455 server transport: on a port of its own, a raw `net`/`tls` server that parses the
 * request heads itself ({@link OwnPortListener}); with the `server` option, on the user's
 * http/https server (Node's parser, {@link UpgradeRouter}). Either way it validates upgrade requests, lets the domain's
 * acceptor screen them, negotiates permessage-deflate, and hands each established
 * {@link WsConnection} to the acceptor.
 */
export class WsServerTransport implements Transport, UpgradeRoute {
  readonly protocol = 'ws' as const;
  readonly path: string;
  private acceptor: ConnectionAcceptor | null = null;
  private server: http.Server | null = null;
  private router: UpgradeRouter | null = null;
  /** The own-port listener this transport created (no `server`) or joined (`server` is one). */
  private ownListener: OwnPortListener | null = null;
  private readonly owned: boolean;
  private maxPayloadSize: number;
  private maxFrameSize: number;
  private readonly connectTimeout: number;
  /** closeTimeout and the clock, one object shared by every connection of this transport. */
  private readonly closeTimer: CloseTimerSettings;
  private readonly maxBufferedBytes: number;
  private readonly deflateOptions: PerMessageDeflateOptions | null;
  /** Upgrades waiting for an asynchronous screening, bounded by connectTimeout (one timer). */
  private readonly pending: DeadlineSweep<Duplex>;
  /** Owned TLS server: sockets in their handshake that were screened (see handshakeStarted). */
  private readonly tlsAttempts = new WsTlsAttempts();
  /** The storm guard (handshake-admission.ts): sheds with the pre-built 503 + Retry-After. */
  private readonly gate: HandshakeGate;
  /** Attempts that end before screening (deadlines, malformed requests), reported to the acceptor. */
  private readonly reports: AttemptReports;
  private readonly backlog: number;
  private listening = false;
  /** True when this transport called listen() on the server (so close() must close it). */
  private startedServer = false;

  constructor(private readonly options: WsServerTransportOptions = {}) {
    const path = options.path ?? '/';
    if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError('path must start with "/"');
    this.path = normalizePath(path);
    this.owned = options.server === undefined;
    this.maxPayloadSize = positive('maxPayloadSize', options.maxPayloadSize, WS_DEFAULTS.maxPayloadSize);
    this.maxFrameSize = positive('maxFrameSize', options.maxFrameSize, this.maxPayloadSize);
    this.connectTimeout = positive('connectTimeout', options.connectTimeout, WS_DEFAULTS.connectTimeout);
    this.closeTimer = { clock: options.clock, closeTimeout: positive('closeTimeout', options.closeTimeout, WS_DEFAULTS.closeTimeout) };
    this.maxBufferedBytes = positive('maxBufferedBytes', options.maxBufferedBytes, WS_DEFAULTS.maxBufferedBytes);
    const c = options.compression;
    this.deflateOptions = c === true ? {} : c ? c : null;
    if (this.deflateOptions !== null) negotiateServer([], this.deflateOptions); // validates window bits
    this.pending = new DeadlineSweep<Duplex>(this.connectTimeout, (socket) => this.handshakeTimedOut(socket), options.clock);
    this.gate = new HandshakeGate(options, this.closeTimer.closeTimeout, options.clock, (a) => busyResponse(a.retryAfterSeconds));
    this.reports = new AttemptReports('ws', this.connectTimeout);
    this.backlog = listenBacklogOption(options.listenBacklog, DEFAULT_LISTEN_BACKLOG);
  }

  /** Sets the domain side that screens and takes connections. */
  setAcceptor(acceptor: ConnectionAcceptor): void {
    this.acceptor = acceptor;
  }

  /**
   * The server in use, or null before listen(): the user's http(s) server, or the own-port
   * listener (which the dashboard's namespace joins as its `server`).
   */
  httpServer(): http.Server | OwnPortListener | null {
    return this.server ?? this.ownListener;
  }

  /** Live limit change; connections accepted afterwards parse with the new limits. */
  updateLimits(limits: TransportLimits): void {
    this.maxPayloadSize = positive('maxPayloadSize', limits.maxPayloadSize, this.maxPayloadSize);
    this.maxFrameSize = positive('maxFrameSize', limits.maxFrameSize, this.maxFrameSize);
  }

  /** Starts serving; resolves with the bound port. */
  async listen(): Promise<number> {
    if (this.listening) return this.port() ?? 0;
    shapeWritableState();
    const attach = this.options.server;
    if (attach instanceof OwnPortListener || (attach === undefined && this.options.httpParser !== 'node')) return this.listenOwn(attach);
    // handshakeTimeout: Node's own idle timer for the TLS handshake (the router also bounds it
    // from the socket's arrival, however slowly the peer trickles).
    const server: http.Server =
      attach ??
      (this.options.tls ? https.createServer({ handshakeTimeout: this.connectTimeout, ...this.options.tls }) : http.createServer());
    this.server = server;
    this.router = UpgradeRouter.for(server, this.owned, this.connectTimeout, this.options.clock);
    this.router.add(this);
    this.listening = true;
    this.gate.start();
    if (!server.listening && (this.owned || this.options.port !== undefined)) {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error): void => {
          server.removeListener('listening', onListening);
          reject(err);
        };
        const onListening = (): void => {
          server.removeListener('error', onError);
          resolve();
        };
        server.once('error', onError);
        server.once('listening', onListening);
        server.listen({ port: this.options.port ?? 0, host: this.options.host, backlog: this.backlog });
      }).then(() => {
        this.startedServer = true;
        server.on('error', this.onServerError);
      }).catch((err: unknown) => {
        this.detach();
        throw err;
      });
    }
    return this.port() ?? 0;
  }

  /** No `server`: a listener of Stelar's own on `port` (or, `shared`, another transport's). */
  private async listenOwn(shared: OwnPortListener | undefined): Promise<number> {
    const listener =
      shared ?? new OwnPortListener({ tls: this.options.tls, connectTimeout: this.connectTimeout, clock: this.options.clock });
    listener.add(this);
    this.ownListener = listener;
    this.listening = true;
    this.gate.start();
    if (shared === undefined) {
      try {
        await listener.listen(this.options.port ?? 0, this.options.host, this.backlog);
      } catch (err) {
        this.detach();
        throw err;
      }
      listener.server.on('error', this.onServerError);
    }
    return this.port() ?? 0;
  }

  /** An error of the listening server after listen(): logged, never thrown. */
  private readonly onServerError = (err: Error): void => {
    this.options.logger?.warn(`WebSocket listener error: ${err.message}`);
  };

  /** The bound port, or null when not listening. */
  port(): number | null {
    if (!this.listening) return null;
    if (this.ownListener !== null) return this.ownListener.port();
    if (this.server === null) return null;
    const addr = this.server.address();
    return addr !== null && typeof addr === 'object' ? addr.port : null;
  }

  /** Stops accepting upgrades (pending handshakes are dropped); established connections stay. */
  async close(): Promise<void> {
    if (!this.listening) return;
    if (this.ownListener !== null) return this.closeOwn(this.ownListener);
    const server = this.server as http.Server;
    const router = this.router;
    server.removeListener('error', this.onServerError);
    this.detach();
    this.closePending();
    // A user's server that was already listening stays the user's; one we started listening
    // (the `server` option plus `port`) is closed with its last namespace.
    const started = this.startedServer && (router === null || router.size === 0);
    this.startedServer = false;
    if ((this.owned || started) && server.listening) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Upgraded sockets keep the server's close callback waiting; they belong to the caller.
        setImmediate(resolve);
      });
    }
  }

  private async closeOwn(listener: OwnPortListener): Promise<void> {
    listener.server.removeListener('error', this.onServerError);
    this.detach();
    this.closePending();
    // A listener of this transport's own closes with it; a shared one stays its creator's.
    if (this.options.server === undefined) await listener.close();
  }

  private closePending(): void {
    for (const socket of this.pending.keys()) socket.destroy();
    this.pending.clear();
    this.tlsAttempts.clear();
  }

  private detach(): void {
    this.listening = false;
    this.ownListener?.remove(this);
    this.ownListener = null;
    this.gate.stop();
    if (this.router !== null) this.router.remove(this);
    this.router = null;
  }

  /** @internal an async screening outlived connectTimeout: the socket goes (complete() releases its slot). */
  handshakeTimedOut(socket: Duplex): void {
    this.reports.timedOut(this.acceptor, stripMapped((socket as Socket).remoteAddress ?? ''), 'screening');
    socket.destroy();
  }

  /**
   * @internal UpgradeRoute (owned TLS server): a socket starts its TLS handshake: screened and
   * counted toward the caps until it ends ({@link WsTlsAttempts}; not behind a trusted proxy).
   */
  handshakeStarted(socket: Socket): void {
    const acceptor = this.acceptor;
    if (acceptor === null || this.options.trustProxy === true) return;
    this.tlsAttempts.started(socket, acceptor);
  }

  /** @internal UpgradeRoute: the TLS handshake of `socket` finished, or the socket went. */
  handshakeEnded(socket: Socket): void {
    this.tlsAttempts.ended(socket);
  }

  /**
   * @internal UpgradeRoute (owned server): a socket arrives at a handshake stage. Shed above the
   * bound or while the loop lags: before its request head, with the pre-built 503; before its
   * TLS handshake, closed (nothing can be said yet). No parsing, TLS or screening work is spent.
   */
  socketArrived(socket: Socket, stage: 'tls' | 'request', inProgress: number): boolean {
    return this.gate.admit(socket, inProgress + this.pending.size, stage === 'tls', this.acceptor, 'ws', stripMapped(socket.remoteAddress ?? ''));
  }

  /** @internal UpgradeRoute (own-port listener): a request head its parser refused (counted, throttled log). */
  headRefused(socket: Socket, reason: string): void {
    this.reports.badHandshake(this.acceptor, stripMapped(socket.remoteAddress ?? ''), reason);
  }

  /** @internal UpgradeRoute: a socket of the owned server was destroyed at its deadline. */
  socketTimedOut(socket: Socket, phase: 'tls' | 'request'): void {
    this.reports.timedOut(this.acceptor, stripMapped(socket.remoteAddress ?? ''), phase);
  }

  /** @internal UpgradeRoute: plain HTTP requests. */
  handleRequest(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    return this.options.httpHandler !== undefined && this.options.httpHandler(req, res);
  }

  /** @internal UpgradeRoute: one upgrade request for this path. */
  handleUpgrade(req: UpgradeRequest, socket: Duplex, head: Buffer): void {
    if (isShed(socket)) return;
    socket.on('error', onHandshakeSocketError);
    const acceptor = this.acceptor;
    const address = stripMapped((socket as Socket).remoteAddress ?? '');
    if (this.gate.gone(socket, acceptor, 'ws', address)) return;
    if (!this.listening || acceptor === null) return abortHandshake(socket, 503, 'Server not accepting connections');
    // On the user's server the socket's arrival is not ours to see: the guard applies here.
    if (!this.owned && !this.gate.admit(socket as Socket, this.pending.size, false, acceptor, 'ws', address)) return;
    const failure = validateUpgradeRequest(req);
    if (failure !== null) {
      this.refusedHandshake(req, failure.message);
      return abortHandshake(socket, failure.status, failure.message, failure.headers);
    }

    let deflate: { params: DeflateParams; header: string } | null = null;
    const ext = req.headers['sec-websocket-extensions'];
    if (this.deflateOptions !== null && ext !== undefined) {
      try {
        deflate = negotiateServer(parseExtensions(Array.isArray(ext) ? ext.join(', ') : (ext as string)), this.deflateOptions);
      } catch {
        this.refusedHandshake(req, 'Invalid Sec-WebSocket-Extensions header');
        return abortHandshake(socket, 400, 'Invalid Sec-WebSocket-Extensions header');
      }
    }

    const origin = req.headers.origin;
    const info: HandshakeInfo = {
      protocol: 'ws',
      remoteAddress: remoteAddressOf(req, this.options.trustProxy === true),
      originApplies: true,
      origin: typeof origin === 'string' ? origin : undefined,
      path: this.path,
      headers: req.headers,
    };
    clearConnectTimer(socket);
    const verdict = screenAttempt(acceptor, info);
    if (isPending(verdict)) {
      // An async screening (distributed limits…) is bounded by connectTimeout too; a synchronous
      // one (the common case) is not even registered.
      this.pending.add(socket);
      verdict.then((v) => {
        this.pending.delete(socket);
        this.complete(req, socket, head, info, deflate, v);
      });
    } else {
      this.complete(req, socket, head, info, deflate, verdict);
    }
  }

  /** A malformed upgrade request, refused before screening: reported (counted, throttled log). */
  private refusedHandshake(req: UpgradeRequest, reason: string): void {
    this.reports.badHandshake(this.acceptor, remoteAddressOf(req, this.options.trustProxy === true), reason);
  }

  private complete(
    req: UpgradeRequest,
    socket: Duplex,
    head: Buffer,
    info: HandshakeInfo,
    negotiated: { params: DeflateParams; header: string } | null,
    refusal: Refusal | null,
  ): void {
    if (refusal !== null) return abortHandshake(socket, refusal.status, refusal.reason);
    // Admitted: the attempt holds a slot until accept() takes it or abandon() gives it back.
    const acceptor = this.acceptor;
    if (socket.destroyed || !socket.writable) {
      acceptor?.abandon?.(info);
      socket.destroy();
      return;
    }
    if (!this.listening || acceptor === null) {
      acceptor?.abandon?.(info);
      return abortHandshake(socket, 503, 'Server not accepting connections');
    }

    const key = req.headers['sec-websocket-key'] as string;
    socket.removeListener('error', onHandshakeSocketError);
    const conn = new WsConnection(socket as Socket, {
      isServer: true,
      maxPayloadSize: this.maxPayloadSize,
      maxFrameSize: this.maxFrameSize,
      maxFragments: this.options.maxFragments,
      closeTimer: this.closeTimer,
      maxBufferedBytes: this.maxBufferedBytes,
      deflate:
        negotiated === null
          ? null
          : new PerMessageDeflate(negotiated.params, true, this.maxPayloadSize, this.deflateOptions ?? {}),
      remoteAddress: info.remoteAddress,
      request: UpgradeRequestSnapshot.of(req),
    });
    // The 101 leaves together with the first frames the domain sends while accepting.
    conn.writeHandshake(switchingProtocolsResponse(key, negotiated === null ? null : negotiated.header));
    acceptor.accept(conn, info);
    conn.start(head);
  }
}

function onHandshakeSocketError(this: Duplex): void {
  this.destroy();
}
