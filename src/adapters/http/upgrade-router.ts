import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Clock } from '../../ports/clock.port';
import { abortHandshake } from '../websocket/ws-handshake';
import { DeadlineSweep } from '../socket/deadline-sweep';
import type { UpgradeRequest } from './upgrade-request.types';

/**
 * One WebSocket namespace served on a shared http(s) server ({@link UpgradeRouter}) or on the
 * own-port listener (`own-port.listener.ts`).
 */
export interface UpgradeRoute {
  /** Normalised path (see {@link normalizePath}). */
  readonly path: string;
  handleUpgrade(req: UpgradeRequest, socket: Duplex, head: Buffer): void;
  /** Plain HTTP requests (health endpoint…): true when the route answered the request. */
  handleRequest?(req: IncomingMessage, res: ServerResponse): boolean;
  /**
   * Owned TLS server: a socket arrived and starts its TLS handshake (the route may screen and
   * count it); exactly one {@link handshakeEnded} follows, when it finished or the socket went.
   */
  handshakeStarted?(socket: Socket): void;
  handshakeEnded?(socket: Socket): void;
  /**
   * Owned server: a socket arrived at a handshake stage (`tls`: its TLS handshake starts;
   * `request`: it is to send its request head), with `inProgress` sockets already at that
   * stage. False when the route shed it (handshake-admission.ts): the router forgets it.
   */
  socketArrived?(socket: Socket, stage: 'tls' | 'request', inProgress: number): boolean;
  /** Own-port listener: a request head its parser refused (`reason`: the error's message); the answer is sent. */
  headRefused?(socket: Socket, reason: string): void;
  /** Owned server: a socket was destroyed at its deadline (`tls`: handshake, `request`: request head). */
  socketTimedOut?(socket: Socket, phase: 'tls' | 'request'): void;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

const routers = new WeakMap<HttpServer, UpgradeRouter>();

/** `/chat/?x=1` → `/chat`; the root stays `/`. */
export function normalizePath(url: string | undefined): string {
  let path = url ?? '/';
  const q = path.indexOf('?');
  if (q !== -1) path = path.slice(0, q);
  const h = path.indexOf('#');
  if (h !== -1) path = path.slice(0, h);
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return path === '' ? '/' : path;
}

/**
 * Dispatches the 'upgrade' and 'request' events of one http(s) server to the WebSocket routes
 * (namespaces) sharing it. One router per server (WeakMap), so several Stelar servers can attach
 * to the same http server on different paths.
 *
 * When Stelar created the server (`owned`), every plain request a route does not handle gets a
 * prompt 404, and sockets that never send a request are destroyed after `connectTimeout`
 * (slowloris). When attached to the user's server, the existing 'request' listeners are wrapped
 * (engine.io's attach): routes see each request first and the user's app gets the rest.
 */
export class UpgradeRouter {
  private readonly routes = new Map<string, UpgradeRoute>();
  private wrapped: RequestListener[] = [];
  private attached = false;
  /** Sockets of an owned server that have not sent their request yet, with their deadlines. */
  private readonly waiting: DeadlineSweep<Socket>;

  private constructor(
    readonly server: HttpServer,
    readonly owned: boolean,
    private readonly connectTimeout: number,
    clock: Clock | undefined,
  ) {
    this.waiting = new DeadlineSweep<Socket>(connectTimeout, (socket) => this.timedOut(socket), clock);
  }

  /**
   * The router of `server`, created on first use (with the first route's connect timeout and
   * clock, default the system clock).
   */
  static for(server: HttpServer, owned: boolean, connectTimeout: number, clock?: Clock): UpgradeRouter {
    let router = routers.get(server);
    if (router === undefined) {
      router = new UpgradeRouter(server, owned, connectTimeout, clock);
      routers.set(server, router);
    }
    return router;
  }

  /** Number of routes served. */
  get size(): number {
    return this.routes.size;
  }

  /** Adds a namespace; throws when the path is already served on this server. */
  add(route: UpgradeRoute): void {
    if (this.routes.has(route.path)) throw new Error(`WebSocket path "${route.path}" is already served on this server`);
    this.routes.set(route.path, route);
    if (!this.attached) this.attach();
  }

  /** Removes a namespace; the last removal restores the server's original listeners. */
  remove(route: UpgradeRoute): void {
    if (this.routes.get(route.path) !== route) return;
    this.routes.delete(route.path);
    if (this.routes.size === 0) this.detach();
  }

  private attach(): void {
    this.attached = true;
    const server = this.server;
    if (!this.owned) {
      this.wrapped = server.listeners('request') as RequestListener[];
      server.removeAllListeners('request');
    }
    server.on('request', this.onRequest);
    server.on('upgrade', this.onUpgrade);
    if (this.owned) {
      server.on('connection', this.onConnection);
      if (this.tls) {
        server.on('secureConnection', this.onSecure);
        // Node leaves a socket whose handshake failed or timed out open once this event has a
        // listener: it is destroyed here (the raw socket's close ends the attempt).
        server.on('tlsClientError', destroyClientSocket);
      }
    }
  }

  private detach(): void {
    this.attached = false;
    const server = this.server;
    server.removeListener('request', this.onRequest);
    server.removeListener('upgrade', this.onUpgrade);
    server.removeListener('connection', this.onConnection);
    server.removeListener('secureConnection', this.onSecure);
    server.removeListener('tlsClientError', destroyClientSocket);
    for (const socket of this.handshaking.values()) this.endHandshake(socket);
    this.handshaking.clear();
    for (const listener of this.wrapped) server.on('request', listener);
    this.wrapped = [];
    routers.delete(server);
  }

  private get tls(): boolean {
    return this.server instanceof TlsServer;
  }

  /** The route told about TLS attempts and timeouts (an owned server has the one that made it). */
  private firstRoute(): UpgradeRoute | undefined {
    for (const route of this.routes.values()) return route;
    return undefined;
  }

  // Every socket of an owned server is timed from its arrival: over TLS, the raw socket until
  // its handshake finishes (connectTimeout, however slowly the peer trickles), then the TLSSocket
  // the request arrives on (connectTimeout again); over plain HTTP the socket itself.
  private readonly onConnection = (socket: Socket): void => {
    if (this.tls) {
      if (this.firstRoute()?.socketArrived?.(socket, 'tls', this.handshaking.size) === false) return;
      this.handshaking.set(peerKey(socket), socket);
      socket.once('close', onRawClose);
      (socket as WatchedSocket)[kRouter] = this;
      this.firstRoute()?.handshakeStarted?.(socket);
      if (this.connectTimeout > 0) this.watch(socket);
      return;
    }
    if (this.firstRoute()?.socketArrived?.(socket, 'request', this.waiting.size) === false) return;
    if (this.connectTimeout > 0) watchSocket(this, socket);
  };

  /** TLS raw sockets in their handshake, by `address:port` of the peer (same on the TLSSocket). */
  private readonly handshaking = new Map<string, Socket>();

  private readonly onSecure = (socket: Socket): void => {
    const raw = this.handshaking.get(peerKey(socket));
    if (raw !== undefined) this.endHandshake(raw);
    // The waiting sweep holds the raw sockets still in their handshake too.
    if (this.firstRoute()?.socketArrived?.(socket, 'request', this.waiting.size - this.handshaking.size) === false) return;
    if (this.connectTimeout > 0) watchSocket(this, socket);
  };

  /** @internal the raw socket of a TLS attempt: handshake finished or socket gone (once). */
  endHandshake(raw: Socket): void {
    const key = peerKey(raw);
    if (this.handshaking.get(key) !== raw) return;
    this.handshaking.delete(key);
    raw.removeListener('close', onRawClose);
    (raw as WatchedSocket)[kRouter] = undefined;
    this.waiting.delete(raw);
    this.firstRoute()?.handshakeEnded?.(raw);
  }

  /** @internal */
  watch(socket: Socket): void {
    // Re-inserted at the end: insertion order must stay deadline order.
    this.waiting.delete(socket);
    this.waiting.add(socket);
  }

  /** @internal */
  unwatch(socket: Socket): void {
    this.waiting.delete(socket);
  }

  /** @internal a socket passed its deadline (the sweep already dropped it): destroyed, reported. */
  timedOut(socket: Socket): void {
    const inHandshake = this.handshaking.get(peerKey(socket)) === socket;
    if (!inHandshake) (socket as WatchedSocket)[kRouter] = undefined;
    this.firstRoute()?.socketTimedOut?.(socket, inHandshake ? 'tls' : 'request');
    socket.destroy();
  }

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    clearConnectTimer(req.socket);
    // Keep-alive: the guard covers every request on the socket, not only the first. Once the
    // socket has no request in flight, the next request head has connectTimeout again.
    if (this.owned && this.connectTimeout > 0) trackRequest(this, req.socket, res);
    for (const route of this.routes.values()) {
      if (route.handleRequest !== undefined && route.handleRequest(req, res)) return;
    }
    if (this.owned) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': '9' });
      res.end('Not Found');
      return;
    }
    for (const listener of this.wrapped) listener.call(this.server, req, res);
  };

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const route = this.routes.get(normalizePath(req.url));
    if (route !== undefined) {
      route.handleUpgrade(req, socket, head);
      return;
    }
    // Another library on the user's server may serve this path: leave it to its listener.
    if (!this.owned && this.server.listenerCount('upgrade') > 1) return;
    socket.on('error', ignoreError);
    abortHandshake(socket, 404, 'No WebSocket endpoint at this path');
  };
}

const kRouter = Symbol('stelar.connectTimeoutRouter');
const kInFlight = Symbol('stelar.requestsInFlight');
const kCloseWatched = Symbol('stelar.closeWatched');
type WatchedSocket = Socket & { [kRouter]?: UpgradeRouter; [kInFlight]?: number; [kCloseWatched]?: true };

/** Counts a request in flight on `socket`; when its response is done and none is left, re-arms the guard. */
function trackRequest(router: UpgradeRouter, socket: Socket, res: ServerResponse): void {
  const s = socket as WatchedSocket;
  s[kInFlight] = (s[kInFlight] ?? 0) + 1;
  res.once('close', () => {
    const left = (s[kInFlight] ?? 1) - 1;
    s[kInFlight] = left;
    if (left === 0 && !socket.destroyed && socket.readable) watchSocket(router, socket);
  });
}

/** `address:port` of the peer: the same on a TLSSocket and on the raw socket under it. */
function peerKey(socket: Socket): string {
  return `${socket.remoteAddress}:${socket.remotePort}`;
}

function onRawClose(this: Socket): void {
  (this as WatchedSocket)[kRouter]?.endHandshake(this);
}

function destroyClientSocket(_err: Error, socket: Socket): void {
  socket.destroy();
}

function watchSocket(router: UpgradeRouter, socket: Socket): void {
  const s = socket as WatchedSocket;
  s[kRouter] = router;
  router.watch(socket);
  // A socket that goes before its request leaves the sweep at once, so the count of sockets
  // waiting for their request (what maxPendingHandshakes bounds) holds only live ones.
  if (s[kCloseWatched] === undefined) {
    s[kCloseWatched] = true;
    socket.once('close', onWatchedClose);
  }
}

function onWatchedClose(this: Socket): void {
  clearConnectTimer(this);
}

/** Clears the pre-request deadline of a socket of an owned server (handshake done or HTTP). */
export function clearConnectTimer(socket: object): void {
  const s = socket as WatchedSocket;
  const router = s[kRouter];
  if (router !== undefined) {
    s[kRouter] = undefined;
    router.unwatch(s);
  }
}

function ignoreError(): void {}
