import * as net from 'node:net';
import * as tls from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../ports/clock.port';
import { DeadlineSweep } from '../socket/deadline-sweep';
import { abortHandshake, hasToken } from '../websocket/ws-handshake';
import { UpgradeRequestSnapshot } from '../websocket/upgrade-request.snapshot';
import { HTTP_HEAD_LIMITS, HeadResult, HttpRequestHeadParser, type HttpHeadLimits, type HttpRequestHead } from './http-request-head.parser';
import { HttpResponseWriter } from './http-response.writer';
import { normalizePath, type UpgradeRoute } from './upgrade-router';
import type { UpgradeRequest } from './upgrade-request.types';

/** Options of {@link OwnPortListener}. */
export interface OwnPortListenerOptions {
  /** TLS: a `tls.Server` (wss://, https:// for the built-in routes). */
  readonly tls?: tls.TlsOptions;
  /** ms from a socket's arrival to its complete request head (and, over TLS, to the end of its handshake). */
  readonly connectTimeout: number;
  readonly clock?: Clock;
  readonly limits?: HttpHeadLimits;
}

/** The socket listeners of one listener: `this` is the socket (one set per listener, none per socket). */
interface HeadListeners {
  data(this: net.Socket, chunk: Buffer): void;
  close(this: net.Socket): void;
  rawClose(this: net.Socket): void;
}

/**
 * The listener of a server Stelar owns (no `server` option): a raw `net.Server` (or `tls.Server`)
 * that reads each socket's HTTP/1.1 request head with {@link HttpRequestHeadParser} and hands it
 * over, without Node's http server: an upgrade to the WebSocket route of its path, a plain
 * request to the routes' `handleRequest` (health, metrics, dashboard) answered with one minimal
 * response and `Connection: close`, anything else a complete HTTP error.
 *
 * Bounds: each socket has `connectTimeout` from its arrival to its complete head (over TLS:
 * to the end of its handshake, then again to its head), one sweep timer for all; the head is
 * bounded by the parser's limits; request content is refused (413: no built-in route takes
 * any), so nothing is buffered past the head. Per waiting socket: the parser, created at its
 * first byte, dropped when the head is complete.
 */
export class OwnPortListener {
  readonly server: net.Server;
  private readonly routes = new Map<string, UpgradeRoute>();
  /** Sockets that have not completed their head (or TLS handshake) yet, with their deadlines. */
  private readonly waiting: DeadlineSweep<net.Socket>;
  /** TLS raw sockets in their handshake, by `address:port` of the peer (the same on the TLSSocket). */
  private readonly handshaking = new Map<string, net.Socket>();
  /** The parser of each socket that sent part of its head (nothing is stored on the socket itself). */
  private readonly parsers = new Map<net.Socket, HttpRequestHeadParser>();
  private readonly limits: HttpHeadLimits;
  private readonly tls: boolean;
  private readonly socketListeners: HeadListeners;

  constructor(private readonly options: OwnPortListenerOptions) {
    this.limits = options.limits ?? HTTP_HEAD_LIMITS;
    this.waiting = new DeadlineSweep<net.Socket>(options.connectTimeout, (socket) => this.timedOut(socket), options.clock);
    this.tls = options.tls !== undefined;
    this.socketListeners = headListeners(this);
    if (options.tls !== undefined) {
      // handshakeTimeout: Node's own idle timer of the TLS handshake (the sweep also bounds it
      // from the socket's arrival, however slowly the peer trickles).
      const server = tls.createServer({ handshakeTimeout: options.connectTimeout, ...options.tls });
      server.on('connection', this.onRawConnection);
      server.on('secureConnection', this.onSocket);
      // Node leaves a socket whose handshake failed open once this event has a listener.
      server.on('tlsClientError', destroyClientSocket);
      this.server = server;
    } else {
      this.server = net.createServer({ noDelay: true }, this.onSocket);
    }
  }

  /** Registers a listener of the server (the `server` option's `on`: errors, …). */
  on(event: string, listener: (...args: never[]) => void): this {
    this.server.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Number of routes served. */
  get size(): number {
    return this.routes.size;
  }

  /** Sockets waiting for their head or their TLS handshake. */
  get pendingCount(): number {
    return this.waiting.size;
  }

  get listening(): boolean {
    return this.server.listening;
  }

  /** Adds a namespace; throws when the path is already served here. */
  add(route: UpgradeRoute): void {
    if (this.routes.has(route.path)) throw new Error(`WebSocket path "${route.path}" is already served on this server`);
    this.routes.set(route.path, route);
  }

  remove(route: UpgradeRoute): void {
    if (this.routes.get(route.path) === route) this.routes.delete(route.path);
  }

  /** Binds (`backlog`: the listen queue, Node's default 511 when undefined); rejects with the listen error (EADDRINUSE…). */
  listen(port: number, host: string | undefined, backlog?: number): Promise<void> {
    const server = this.server;
    return new Promise<void>((resolve, reject) => {
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
      server.listen({ port, host, backlog });
    });
  }

  /** The bound port, or null. */
  port(): number | null {
    const addr = this.server.address();
    return addr !== null && typeof addr === 'object' ? addr.port : null;
  }

  /**
   * Stops listening and destroys every socket still before its head; sockets handed over
   * (WebSocket connections, responses being written) belong to their owners.
   */
  async close(): Promise<void> {
    for (const socket of [...this.waiting.keys()]) socket.destroy();
    this.waiting.clear();
    this.parsers.clear();
    for (const raw of [...this.handshaking.values()]) {
      this.endHandshake(raw);
      raw.destroy();
    }
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Handed-over sockets keep the close callback waiting; they are not this listener's.
      setImmediate(resolve);
    });
  }

  /** The route told about TLS attempts and timeouts (the one that created this listener). */
  private firstRoute(): UpgradeRoute | undefined {
    for (const route of this.routes.values()) return route;
    return undefined;
  }

  /** TLS: a raw socket arrived; it is timed (and screened by the route) until its handshake ends. */
  private readonly onRawConnection = (raw: net.Socket): void => {
    // The storm guard's decision, as on Node's path (UpgradeRouter): shed before any TLS work.
    if (this.firstRoute()?.socketArrived?.(raw, 'tls', this.handshaking.size) === false) return;
    this.handshaking.set(peerKey(raw), raw);
    raw.once('close', this.socketListeners.rawClose);
    this.firstRoute()?.handshakeStarted?.(raw);
    this.waiting.add(raw);
  };

  /** @internal the raw socket of a TLS attempt: handshake finished or socket gone (once). */
  endHandshake(raw: net.Socket): void {
    const key = peerKey(raw);
    if (this.handshaking.get(key) !== raw) return;
    this.handshaking.delete(key);
    raw.removeListener('close', this.socketListeners.rawClose);
    this.waiting.delete(raw);
    this.firstRoute()?.handshakeEnded?.(raw);
  }

  /** A socket ready for HTTP (plain, or TLS with its handshake done): its head is read. */
  private readonly onSocket = (socket: net.Socket): void => {
    if (this.tls) {
      const raw = this.handshaking.get(peerKey(socket));
      if (raw !== undefined) this.endHandshake(raw);
    }
    // Shed before any parsing (the route answers its pre-built 503): the waiting sweep holds the
    // raw sockets still in their TLS handshake too.
    if (this.firstRoute()?.socketArrived?.(socket, 'request', this.waiting.size - this.handshaking.size) === false) return;
    socket.on('data', this.socketListeners.data);
    // A peer that ended its side before a complete head never completes it (whatever allowHalfOpen).
    socket.on('end', destroyOnEnd);
    socket.on('error', destroyOnError);
    socket.on('close', this.socketListeners.close);
    this.waiting.add(socket);
  };

  /** @internal a socket passed its deadline (the sweep already dropped it): reported, destroyed. */
  timedOut(socket: net.Socket): void {
    const inHandshake = this.handshaking.get(peerKey(socket)) === socket;
    this.firstRoute()?.socketTimedOut?.(socket, inHandshake ? 'tls' : 'request');
    socket.destroy();
  }

  /** @internal bytes of a socket before its head is complete. */
  headData(socket: net.Socket, chunk: Buffer): void {
    let parser = this.parsers.get(socket);
    if (parser === undefined) {
      parser = new HttpRequestHeadParser(this.limits);
      this.parsers.set(socket, parser);
    }
    const result = parser.push(chunk);
    if (result === HeadResult.NeedMore) return;
    this.release(socket);
    if (result === HeadResult.Failed) {
      const err = parser.error as { status: number; message: string };
      this.firstRoute()?.headRefused?.(socket, err.message);
      abortHandshake(socket, err.status, err.message);
      return;
    }
    this.dispatch(socket, parser.head as HttpRequestHead, chunk.subarray(parser.consumed));
  }

  /** The head phase is over: listeners off, deadline cleared, reading stopped until the next owner listens. */
  private release(socket: net.Socket): void {
    this.parsers.delete(socket);
    socket.removeListener('data', this.socketListeners.data);
    socket.removeListener('end', destroyOnEnd);
    socket.removeListener('close', this.socketListeners.close);
    this.waiting.delete(socket);
    // As Node's http server does before 'upgrade': not paused (a later 'data' listener resumes
    // the flow), but no longer flowing, so nothing is read before the next owner listens.
    (socket as { readableFlowing: boolean | null }).readableFlowing = null;
  }

  /** @internal a socket closed before its head was complete. */
  headClosed(socket: net.Socket): void {
    this.parsers.delete(socket);
    this.waiting.delete(socket);
  }

  private dispatch(socket: net.Socket, head: HttpRequestHead, rest: Buffer): void {
    // No built-in route takes request content: refused before anything reads it.
    if (head.contentLength > 0 || head.transferEncoding) return abortHandshake(socket, 413, 'Request content is not accepted');
    const req: UpgradeRequest = {
      method: head.method,
      url: head.url,
      httpVersionMajor: head.httpVersionMajor,
      httpVersionMinor: head.httpVersionMinor,
      headers: head.headers,
      rawHeaders: head.rawHeaders,
      socket,
    };
    // An upgrade as Node's parser sees one: an Upgrade header and the "upgrade" connection option.
    if (head.headers.upgrade !== undefined && hasToken(head.headers.connection, 'upgrade')) {
      const route = this.routes.get(normalizePath(head.url));
      if (route === undefined) return abortHandshake(socket, 404, 'No WebSocket endpoint at this path');
      socket.removeListener('error', destroyOnError);
      route.handleUpgrade(req, socket, rest);
      return;
    }
    this.serveRequest(socket, req, head.method === 'HEAD');
  }

  private serveRequest(socket: net.Socket, req: UpgradeRequest, headOnly: boolean): void {
    const message: IncomingMessage = UpgradeRequestSnapshot.of(req).materialize(socket, false);
    // The routes are written against Node's ServerResponse; the writer is the part they use.
    const res = new HttpResponseWriter(socket, headOnly) as unknown as ServerResponse;
    try {
      for (const route of this.routes.values()) {
        if (route.handleRequest !== undefined && route.handleRequest(message, res)) return;
      }
    } catch {
      // A throwing handler (a customHealthHandler) ends its own request, not the server.
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Internal Server Error');
      else socket.destroy();
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not Found');
  }
}

function headListeners(listener: OwnPortListener): HeadListeners {
  return {
    data(chunk) {
      listener.headData(this, chunk);
    },
    close() {
      listener.headClosed(this);
    },
    rawClose() {
      listener.endHandshake(this);
    },
  };
}

function destroyOnEnd(this: net.Socket): void {
  this.destroy();
}

function destroyOnError(this: net.Socket): void {
  this.destroy();
}

function destroyClientSocket(_err: Error, socket: net.Socket): void {
  socket.destroy();
}

/** `address:port` of the peer: the same on a TLSSocket and on the raw socket under it. */
function peerKey(socket: net.Socket): string {
  return `${socket.remoteAddress}:${socket.remotePort}`;
}
