import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type { Duplex } from 'node:stream';
import { abortHandshake } from '../websocket/ws-handshake';
import { DeadlineSweep } from '../socket/deadline-sweep';

/** One WebSocket namespace served on a shared http(s) server. */
export interface UpgradeRoute {
  /** Normalised path (see {@link normalizePath}). */
  readonly path: string;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Plain HTTP requests (health endpoint…): true when the route answered the request. */
  handleRequest?(req: IncomingMessage, res: ServerResponse): boolean;
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
  ) {
    this.waiting = new DeadlineSweep<Socket>(connectTimeout, requestTimedOut);
  }

  /** The router of `server`, created on first use. */
  static for(server: HttpServer, owned: boolean, connectTimeout: number): UpgradeRouter {
    let router = routers.get(server);
    if (router === undefined) {
      router = new UpgradeRouter(server, owned, connectTimeout);
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
    if (this.owned) server.on(this.connectionEvent(), this.onConnection);
  }

  private detach(): void {
    this.attached = false;
    const server = this.server;
    server.removeListener('request', this.onRequest);
    server.removeListener('upgrade', this.onUpgrade);
    server.removeListener(this.connectionEvent(), this.onConnection);
    for (const listener of this.wrapped) server.on('request', listener);
    this.wrapped = [];
    routers.delete(server);
  }

  // An https server's requests arrive on the TLSSocket of 'secureConnection', not on the raw
  // socket of 'connection': time the socket the request will be seen on (TLS handshakes have
  // their own handshakeTimeout).
  private connectionEvent(): 'connection' | 'secureConnection' {
    return this.server instanceof TlsServer ? 'secureConnection' : 'connection';
  }

  private readonly onConnection = (socket: Socket): void => {
    if (this.connectTimeout > 0) watchSocket(this, socket);
  };

  /** @internal */
  watch(socket: Socket): void {
    this.waiting.add(socket);
  }

  /** @internal */
  unwatch(socket: Socket): void {
    this.waiting.delete(socket);
  }

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    clearConnectTimer(req.socket);
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
type WatchedSocket = Socket & { [kRouter]?: UpgradeRouter };

function watchSocket(router: UpgradeRouter, socket: Socket): void {
  (socket as WatchedSocket)[kRouter] = router;
  router.watch(socket);
}

function requestTimedOut(socket: Socket): void {
  (socket as WatchedSocket)[kRouter] = undefined;
  socket.destroy();
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
