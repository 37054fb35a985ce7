import type { Container, ContainerModule } from 'inversify';
import { TOKENS } from '../../ports';
import type { ClusterBus } from '../../ports/cluster-bus.port';
import type { Dispatcher } from '../../domain/dispatcher.service';
import type { LocalClusterState } from '../../domain/local-cluster-state';
import type { SendOptions } from '../../domain/message-sender.service';
import { WS_PROTOCOL } from '../../adapters/websocket/ws.protocol';
import { TCP_PROTOCOL } from '../../adapters/tcp/tcp.protocol';
import { createStelarContainer, type ContainerConfigurer } from '../container';
import { APP_TOKENS } from './app-tokens';
import { builtInTransports } from './builtin-transports';
import { resolveOptions } from './options-validation';
import type { ResolvedOptions, StelarOptions } from './server-options';
import type {
  StelarStats,
  StelarContext,
  StelarEventHandler,
  StelarAckHandler,
  StelarMiddleware,
  StelarWildcardHandler,
  StelarConnectionHandler,
} from './server-types';
import type { BinaryEventNames, DefaultClientData, DefaultEventsMap, EventNames, EventPayload, EventsMap } from '../event-map.types';
import { toBytes } from './stelar-context';
import type { ServerLifecycle } from './server-lifecycle';
import type { ServerMessaging } from './server-messaging.service';
import type { BroadcastOperator } from './broadcast-operator.types';
import type { ServerStats } from './server-stats';
import type { RuntimeConfig, StelarConfigSnapshot } from './runtime-config';
import type { Server as HttpServer } from 'node:http';
import type { Transport } from '../../ports/transport.port';
import { CloseCode } from '../../domain/errors';
import type { ServerOperations } from './operations/server-operations';

/** Which transport plug-ins a server runs (see {@link StelarWiring.transports}). */
export type TransportSelection =
  | readonly ContainerModule[]
  | ((builtIn: readonly ContainerModule[]) => readonly ContainerModule[]);

/** Advanced wiring: the transports to run, and container customisation before anything is resolved. */
export interface StelarWiring {
  /**
   * Rebind any port (e.g. `c.rebind(TOKENS.IIPTracker).toConstantValue(myTracker)`). Rebinding
   * the token of a sugar option that is also given (`customRateLimiter`, `customIPTracker`,
   * `generateClientId`, `logger`) throws: use one or the other.
   */
  configure?: ContainerConfigurer;
  /**
   * The transport plug-ins (container modules) to run: a list replaces the built-in WebSocket +
   * TCP ones (`[inProcessTransport({ name: 'app' })]` tests an app without sockets); a function
   * receives the built-in ones and returns the list (`(d) => [...d, inProcessTransport()]` adds one).
   */
  transports?: TransportSelection;
}

/**
 * The server users import. A facade over the services the container assembles: it resolves
 * them once and delegates; it holds no logic of its own.
 *
 * Optionally typed, in socket.io's order: `StelarServer<Listen, Emit, Data>` — the events and
 * requests clients send (`Listen`), the events the server sends (`Emit`), and the per-client
 * data of `ctx.setMetadata`/`ctx.getMetadata` (`Data`). The types only shape the signatures
 * (the handlers are stored untyped). See docs/API.md, "Typed events".
 */
export class StelarServer<
  Listen extends EventsMap = DefaultEventsMap,
  Emit extends EventsMap = DefaultEventsMap,
  Data extends object = DefaultClientData,
> {
  /** The inversify container this server was assembled from. */
  readonly container: Container;
  private readonly opts: ResolvedOptions;
  private readonly dispatcher: Dispatcher<StelarContext>;
  private readonly messaging: ServerMessaging;
  private readonly stats: ServerStats;
  private readonly localState: LocalClusterState;
  private readonly bus: ClusterBus;
  private readonly lifecycle: ServerLifecycle;
  private readonly config: RuntimeConfig;
  private readonly ops: ServerOperations;

  /** A server on its own namespace path (`StelarServer.of('/chat', { server })`). */
  static of<L extends EventsMap = DefaultEventsMap, E extends EventsMap = DefaultEventsMap, D extends object = DefaultClientData>(
    path: string,
    options: StelarOptions = {},
  ): StelarServer<L, E, D> {
    return new StelarServer<L, E, D>({ ...options, namespace: path });
  }

  /** Like `new StelarServer(options)`, with custom transports and container bindings. */
  static create<L extends EventsMap = DefaultEventsMap, E extends EventsMap = DefaultEventsMap, D extends object = DefaultClientData>(
    options: StelarOptions = {},
    wiring: StelarWiring = {},
  ): StelarServer<L, E, D> {
    return new StelarServer<L, E, D>(options, wiring);
  }

  constructor(options: StelarOptions = {}, wiring: StelarWiring = {}) {
    this.opts = resolveOptions(options);
    const builtIn = builtInTransports(this.opts);
    const t = wiring.transports;
    const c = createStelarContainer(
      this.opts,
      wiring.configure,
      typeof t === 'function' ? t(builtIn) : (t ?? builtIn),
      // The dashboard's own server (on `<path>/ws`) is a StelarServer too.
      (hostOptions) => new StelarServer(hostOptions),
    );
    this.container = c;
    this.dispatcher = c.get(APP_TOKENS.Dispatcher);
    this.messaging = c.get(APP_TOKENS.Messaging);
    this.stats = c.get(APP_TOKENS.Stats);
    this.localState = c.get(APP_TOKENS.LocalState);
    this.bus = c.get<ClusterBus>(TOKENS.ClusterBus);
    this.lifecycle = c.get(APP_TOKENS.Lifecycle);
    this.config = c.get(APP_TOKENS.RuntimeConfig);
    this.ops = c.get(APP_TOKENS.Operations);
  }

  // ---------------------------------------------------------------- handlers

  /** Handle client event `event` (JSON or binary). */
  on<E extends EventNames<Listen>>(event: E, handler: StelarEventHandler<Listen, Emit, Data, E>): this {
    this.dispatcher.on(event, handler as unknown as StelarEventHandler);
    return this;
  }

  /** Every client event: `handler({ event, data: ctx })`. */
  onAll(handler: StelarWildcardHandler<Listen, Emit, Data>): this {
    this.dispatcher.onAll(handler as unknown as StelarWildcardHandler);
    return this;
  }

  /** A client was admitted (after every middleware called next()). */
  onConnection(handler: StelarConnectionHandler<Listen, Emit, Data>): this {
    this.dispatcher.onConnection(handler as unknown as StelarEventHandler);
    return this;
  }

  /**
   * Session recovery: a dropped client resumed its session (same id, rooms and metadata, missed
   * messages replayed). Runs instead of the onConnection handlers for that connection.
   */
  onResume(handler: StelarConnectionHandler<Listen, Emit, Data>): this {
    this.dispatcher.onResume(handler as unknown as StelarEventHandler);
    return this;
  }

  onDisconnect(handler: StelarConnectionHandler<Listen, Emit, Data>): this {
    this.dispatcher.onDisconnect(handler as unknown as StelarEventHandler);
    return this;
  }

  /** Answer `client.request(name, …)`: the handler's return value (or Promise) is the answer. */
  onAck<E extends EventNames<Listen>>(name: E, handler: StelarAckHandler<Listen, Emit, Data, E>): this {
    this.dispatcher.onAck(name, handler as unknown as StelarAckHandler);
    return this;
  }

  /** Connection middleware, run in order; a connection is admitted only if every one calls next(). */
  use(middleware: StelarMiddleware<Listen, Emit, Data>): this {
    this.dispatcher.use(middleware as unknown as StelarMiddleware);
    return this;
  }

  // ---------------------------------------------------------------- sending

  /**
   * To every client (cluster-wide), except `excludeId`. `onBeforeBroadcast` may cancel it.
   * `{ volatile: true }`: skipped (not queued) for clients whose send buffer is over
   * `maxBufferedBytes`, instead of dropping them as slow consumers.
   */
  broadcast<E extends EventNames<Emit>>(event: E, data: EventPayload<Emit, E>, excludeId?: string, options?: SendOptions): void {
    this.messaging.broadcast(event, data, excludeId, options);
  }

  /**
   * With one argument, the broadcast builder: `to(room | rooms)` then `.to()`, `.except()`,
   * `.volatile`, `.local`, `.emit(event, data)` (docs/API.md, "Broadcast builder").
   */
  to(rooms: string | readonly string[]): BroadcastOperator<Emit>;
  /** To every member of `room` (cluster-wide), except `excludeId`; `volatile` as for broadcast. */
  to<E extends EventNames<Emit>>(room: string, event: E, data: EventPayload<Emit, E>, excludeId?: string, options?: SendOptions): void;
  to<E extends EventNames<Emit>>(
    room: string | readonly string[],
    event?: E,
    data?: EventPayload<Emit, E>,
    excludeId?: string,
    options?: SendOptions,
  ): BroadcastOperator<Emit> | void {
    if (event === undefined) return this.messaging.everyone.to(room) as unknown as BroadcastOperator<Emit>;
    this.messaging.to(room as string, event, data, excludeId, options);
  }

  /** The broadcast builder, to everyone but `names` (client ids, or rooms whose members are skipped). */
  except(names: string | readonly string[]): BroadcastOperator<Emit> {
    return this.messaging.everyone.except(names) as unknown as BroadcastOperator<Emit>;
  }

  /** The broadcast builder, volatile: skipped for clients over `maxBufferedBytes` (not dropped). */
  get volatile(): BroadcastOperator<Emit> {
    return this.messaging.everyone.volatile as unknown as BroadcastOperator<Emit>;
  }

  /** The broadcast builder, to this node's clients only (nothing goes to the other cluster nodes). */
  get local(): BroadcastOperator<Emit> {
    return this.messaging.everyone.local as unknown as BroadcastOperator<Emit>;
  }

  /** To one client by id: O(1) locally, relayed through the cluster bus otherwise. */
  toId<E extends EventNames<Emit>>(id: string, event: E, data: EventPayload<Emit, E>): void {
    this.messaging.toId(id, event, data);
  }

  /** Binary to every client, except `excludeId`. */
  broadcastBinary<E extends BinaryEventNames<Emit>>(event: E, buffer: ArrayBuffer | ArrayBufferView, excludeId?: string): void {
    this.messaging.broadcast(event, toBytes(buffer), excludeId);
  }

  // ---------------------------------------------------------------- operations

  /**
   * Closes client `id` with `code` (default 1000) and `reason`: a WebSocket close frame or a TCP
   * Disconnect. True when the client was connected to this node; otherwise, in cluster mode, the
   * other nodes are asked to close it (at most once) and false is returned.
   * @throws RangeError for a close code a peer would reject or a reason over 123 bytes.
   */
  disconnect(id: string, code: number = CloseCode.Normal, reason = ''): boolean {
    return this.messaging.disconnect(id, code, reason);
  }

  /**
   * Removes client `id` (connected to this node) from `room`, as if it had left: the client is
   * told, and `onClientLeaveRoom` may refuse. True when it was in the room and left.
   */
  removeFromRoom(id: string, room: string): boolean {
    return this.messaging.removeFromRoom(id, room);
  }

  /**
   * The Prometheus text exposition of this server's metrics (docs/OPERATIONS.md), for users who
   * serve it themselves. Needs the `prom-client` peer dependency (loaded on first call).
   */
  metrics(): Promise<string> {
    return this.ops.metrics();
  }

  // ---------------------------------------------------------------- information (this node)

  /** Connected clients with their rooms (members of `room` only, when given). */
  getClients(room?: string): { id: string; rooms: string[] }[] {
    return this.localState.localClients(room);
  }

  /** Ids of the clients in `room`. */
  getRoomMembers(room: string): string[] {
    return this.localState.localRoomMembers(room);
  }

  /** Names of the active (non-empty) rooms. */
  getRooms(): string[] {
    return this.localState.localRooms();
  }

  getStats(): StelarStats {
    return this.stats.stats();
  }

  /** The bound HTTP/WebSocket port (the configured one before start()). */
  getPort(): number {
    return this.lifecycle.port(WS_PROTOCOL) ?? this.opts.port;
  }

  /** The bound TCP port, or null when TCP is disabled or not started. */
  getTcpPort(): number | null {
    return this.lifecycle.port(TCP_PROTOCOL);
  }

  /**
   * Cluster-wide queries (`rooms()`, `roomMembers(room)`, `clients(room?)`, `stats()`), each
   * resolving with `{ value, partial, nodes }`. On a single node they answer from local state.
   */
  get cluster(): ClusterBus {
    return this.bus;
  }

  /**
   * Every node's stats summed (numbers only), with `nodes` and `partial` (true when a live node
   * did not answer in time). Per-node stats stay local: `getStats()`.
   */
  async getClusterStats(): Promise<{ stats: Record<string, number>; nodes: number; partial: boolean }> {
    const r = await this.bus.stats();
    const stats: Record<string, number> = {};
    for (const node of r.value) {
      for (const [k, v] of Object.entries(node)) if (typeof v === 'number') stats[k] = (stats[k] ?? 0) + v;
    }
    return { stats, nodes: r.nodes, partial: r.partial };
  }

  // ---------------------------------------------------------------- lifecycle

  /** Starts every listener; resolves with the bound WebSocket port once all are listening. */
  async start(callback?: (port: number) => void): Promise<number> {
    const port = await this.lifecycle.start();
    try {
      await this.ops.start(this.httpServer());
    } catch (err) {
      await this.lifecycle.stop();
      throw err;
    }
    callback?.(port);
    return port;
  }

  /** Tells clients (WS 1001 / TCP Disconnect), closes every socket and listener, clears timers. */
  async stop(): Promise<void> {
    await this.lifecycle.stop();
    this.ops.dispose();
  }

  /**
   * The WebSocket transport's HTTP server, or its own-port listener when Stelar owns the port (the
   * dashboard attaches its own namespace to it; the WebSocket transport accepts either as `server`).
   */
  private httpServer(): HttpServer | null {
    for (const t of this.container.getAll<Transport>(TOKENS.Transport, { optional: true })) {
      const s = (t as { httpServer?: () => HttpServer | null }).httpServer?.();
      if (s) return s;
    }
    return null;
  }

  // ---------------------------------------------------------------- runtime config

  setEventRateLimit(event: string, limit: { maxPoints: number; windowMs: number }): void {
    this.config.setEventRateLimit(event, limit);
  }

  removeEventRateLimit(event: string): void {
    this.config.removeEventRateLimit(event);
  }

  setClientRateLimit(clientId: string, limit: { maxPoints: number; windowMs: number }): void {
    this.config.setClientRateLimit(clientId, limit);
  }

  removeClientRateLimit(clientId: string): void {
    this.config.removeClientRateLimit(clientId);
  }

  /** Changes limits, rate limits, origins, hooks (merged) and heartbeats live. */
  updateConfig(partial: Partial<StelarOptions>): void {
    this.config.update(partial);
  }

  getConfig(): StelarConfigSnapshot {
    return this.config.snapshot();
  }
}
