import type { Container } from 'inversify';
import { TOKENS } from '../../ports';
import type { ClusterBus, ClusterDelivery } from '../../ports/cluster-bus.port';
import type { Logger } from '../../ports/logger.port';
import type { IIPTracker } from '../../ports/ip-tracker.port';
import type { Transport } from '../../ports/transport.port';
import type { ClientRecord } from '../../domain/client-record';
import type { ClientRegistry } from '../../domain/client-registry.service';
import type { RoomRegistry } from '../../domain/room-registry.service';
import type { HookRunner } from '../../domain/hook-runner.service';
import type { RateLimitPolicy } from '../../domain/rate-limit-policy.service';
import type { AdmissionService } from '../../domain/admission.service';
import type { Dispatcher } from '../../domain/dispatcher.service';
import type { ConnectionService } from '../../domain/connection.service';
import type { PendingRequest } from '../../domain/context.types';
import { LocalClusterState } from '../../domain/local-cluster-state';
import type { SendOptions } from '../../domain/message-sender.service';
import { MessageType, RESERVED_EVENTS, type StelarMessage } from '../../domain/message';
import { nameProblem } from '../../domain/name-validation';
import { createStelarContainer, type ContainerConfigurer } from '../container';
import { APP_TOKENS } from './app-tokens';
import { resolveOptions } from './options-validation';
import type { ResolvedOptions, StelarOptions } from './server-options';
import type { StelarStats, StelarContext, StelarEventHandler, StelarAckHandler, StelarMiddleware, StelarWildcardHandler } from './server-types';
import { toBytes, type ContextOps, type StelarContextFactory } from './stelar-context';
import type { HttpRequestHook } from './http-request-hook';
import { handleHealthRequest } from './health.handler';
import { ServerLifecycle } from './server-lifecycle';
import { RuntimeConfig, type StelarConfigSnapshot } from './runtime-config';

/** Advanced wiring: customise the container before anything is resolved. */
export interface StelarWiring {
  /** Rebind any port (e.g. `c.rebind(TOKENS.IRateLimiter).toConstantValue(myLimiter)`). */
  configure?: ContainerConfigurer;
}

function isBinaryData(data: unknown): data is ArrayBuffer | ArrayBufferView {
  return data instanceof ArrayBuffer || ArrayBuffer.isView(data);
}

function checkEventName(event: string): void {
  const problem = nameProblem(event);
  if (problem !== null) throw new TypeError(`Invalid event name: ${problem}`);
  if (RESERVED_EVENTS.has(event)) throw new TypeError(`"${event}" is a reserved event name`);
}

/** JSON event, or a Binary message when `data` is an ArrayBuffer / typed array / Buffer. */
function eventMessage(event: string, data: unknown): StelarMessage {
  return isBinaryData(data)
    ? { type: MessageType.Binary, event, bytes: toBytes(data) }
    : { type: MessageType.Event, event, data };
}

/**
 * The server users import. A facade over the domain services the container assembles: it holds
 * no business logic of its own, only delivery glue (local + cluster), lifecycle and config.
 */
export class StelarServer implements ContextOps {
  /** The inversify container this server was assembled from. */
  readonly container: Container;
  private readonly opts: ResolvedOptions;
  private readonly conns: ConnectionService<StelarContext>;
  private readonly clients: ClientRegistry;
  private readonly rooms: RoomRegistry;
  private readonly hooks: HookRunner;
  private readonly dispatcher: Dispatcher<StelarContext>;
  private readonly bus: ClusterBus;
  private readonly logger: Logger;
  private readonly lifecycle: ServerLifecycle;
  private readonly config: RuntimeConfig;
  /** This node's rooms, members and clients (also what the cluster bus answers for this node). */
  private readonly local: LocalClusterState;

  /** A server on its own namespace path (`StelarServer.of('/chat', { server })`). */
  static of(path: string, options: StelarOptions = {}): StelarServer {
    return new StelarServer({ ...options, namespace: path });
  }

  /** Like `new StelarServer(options)`, with custom container bindings. */
  static create(options: StelarOptions = {}, wiring: StelarWiring = {}): StelarServer {
    return new StelarServer(options, wiring);
  }

  constructor(options: StelarOptions = {}, wiring: StelarWiring = {}) {
    this.opts = resolveOptions(options);
    const c = createStelarContainer(this.opts, wiring.configure);
    this.container = c;
    this.logger = c.get<Logger>(TOKENS.Logger);
    this.conns = c.get(APP_TOKENS.ConnectionService);
    this.clients = c.get(APP_TOKENS.ClientRegistry);
    this.rooms = c.get(APP_TOKENS.RoomRegistry);
    this.hooks = c.get(APP_TOKENS.HookRunner);
    this.dispatcher = c.get(APP_TOKENS.Dispatcher);
    this.bus = c.get<ClusterBus>(TOKENS.ClusterBus);
    this.local = new LocalClusterState(this.clients, this.rooms, () => {
      const { memoryUsage: _m, ...numbers } = this.getStats();
      return numbers;
    });
    // Interest routing: the bus subscribes only to the rooms and clients this node holds.
    if (this.bus.interest !== undefined) {
      this.rooms.setInterest(this.bus.interest);
      this.clients.setInterest(this.bus.interest);
    }
    c.get<StelarContextFactory>(APP_TOKENS.ContextFactory).bind(this);
    const transports = c.get<Transport[]>(TOKENS.Transports);
    for (const t of transports) t.setAcceptor(this.conns);
    this.config = new RuntimeConfig(this.opts, {
      conns: this.conns,
      rooms: this.rooms,
      hooks: this.hooks,
      rateLimits: c.get<RateLimitPolicy>(APP_TOKENS.RateLimitPolicy),
      admission: c.get<AdmissionService>(APP_TOKENS.AdmissionService),
      tracker: c.get<IIPTracker>(TOKENS.IIPTracker),
      transports,
    });
    c.get<HttpRequestHook>(APP_TOKENS.HttpRequestHook).setTarget((req, res) =>
      handleHealthRequest(
        {
          stats: () => this.getStats(),
          path: this.opts.healthEndpoint,
          allowedOrigins: this.opts.allowedOrigins,
          customHandler: this.opts.customHealthHandler,
        },
        req,
        res,
      ),
    );
    this.lifecycle = new ServerLifecycle(this.opts, transports, this.conns, this.clients, this.bus, this.logger, {
      onDelivery: (d) => void this.conns.deliverFromCluster(d),
      state: this.local,
    });
  }

  // ---------------------------------------------------------------- handlers

  /** Handle client event `event` (JSON or binary). */
  on(event: string, handler: StelarEventHandler): this {
    this.dispatcher.on(event, handler);
    return this;
  }

  /** Every client event: `handler({ event, data: ctx })`. */
  onAll(handler: StelarWildcardHandler): this {
    this.dispatcher.onAll(handler);
    return this;
  }

  /** A client was admitted (after every middleware called next()). */
  onConnection(handler: StelarEventHandler): this {
    this.dispatcher.onConnection(handler);
    return this;
  }

  onDisconnect(handler: StelarEventHandler): this {
    this.dispatcher.onDisconnect(handler);
    return this;
  }

  /** Answer `client.request(name, …)`: the handler's return value (or Promise) is the answer. */
  onAck(name: string, handler: StelarAckHandler): this {
    this.dispatcher.onAck(name, handler);
    return this;
  }

  /** Connection middleware, run in order; a connection is admitted only if every one calls next(). */
  use(middleware: StelarMiddleware): this {
    this.dispatcher.use(middleware);
    return this;
  }

  // ---------------------------------------------------------------- sending

  /**
   * To every client (cluster-wide), except `excludeId`. `onBeforeBroadcast` may cancel it.
   * `{ volatile: true }`: skipped (not queued) for clients whose send buffer is over
   * `maxBufferedBytes`, instead of dropping them as slow consumers.
   */
  broadcast(event: string, data: unknown, excludeId?: string, options?: SendOptions): void {
    checkEventName(event);
    const message = eventMessage(event, data);
    if (this.conns.broadcast(message, excludeId, options) === -1) return;
    this.publish({ target: { kind: 'all' }, event, excludeId }, message);
  }

  /** ctx.broadcast: everyone but the sender (a local client) and but `excludeId`. */
  broadcastFrom(senderId: string, event: string, data: unknown, excludeId?: string): void {
    checkEventName(event);
    const message = eventMessage(event, data);
    const skip = excludeId ?? senderId;
    if (this.conns.broadcast(message, skip, { alsoExclude: senderId }) === -1) return;
    // Other nodes never hold the sender; they skip only the caller's excludeId.
    this.publish({ target: { kind: 'all' }, event, excludeId: skip }, message);
  }

  /** To every member of `room` (cluster-wide), except `excludeId`; `volatile` as for broadcast. */
  to(room: string, event: string, data: unknown, excludeId?: string, options?: SendOptions): void {
    checkEventName(event);
    const message = eventMessage(event, data);
    this.conns.toRoom(room, message, excludeId, options);
    this.publish({ target: { kind: 'room', room }, event, excludeId }, message);
  }

  /** To one client by id: O(1) locally, relayed through the cluster bus otherwise. */
  toId(id: string, event: string, data: unknown): void {
    checkEventName(event);
    const message = eventMessage(event, data);
    if (!this.conns.toId(id, message)) this.publish({ target: { kind: 'client', clientId: id }, event }, message);
  }

  /** Binary to every client, except `excludeId`. */
  broadcastBinary(event: string, buffer: ArrayBuffer | ArrayBufferView, excludeId?: string): void {
    this.broadcast(event, toBytes(buffer), excludeId);
  }

  private publish(base: Omit<ClusterDelivery, 'data' | 'bytes'>, message: StelarMessage): void {
    if (!this.bus.clustered) return;
    const payload =
      message.type === MessageType.Binary
        ? { bytes: message.bytes, meta: message.meta }
        : { data: (message as { data?: unknown }).data };
    this.bus.publish({ ...base, ...payload });
  }

  // ---------------------------------------------------------------- ContextOps (ctx.*)

  emitTo(record: ClientRecord, event: string, data: unknown): void {
    checkEventName(event);
    this.conns.sendTo(record, eventMessage(event, data));
  }

  emitBinaryTo(record: ClientRecord, event: string, bytes: Uint8Array): void {
    checkEventName(event);
    this.conns.sendTo(record, { type: MessageType.Binary, event, bytes });
  }

  joinRoom(record: ClientRecord, room: string): void {
    const r = this.rooms.join(record, room);
    // Tell the client, so its room list (rejoined after a reconnect) stays in step.
    if (r.ok && r.changed) {
      // Confirmed once deliveries to the room from other nodes reach this one (docs/CLUSTER.md).
      const ready = this.rooms.ready(room);
      const confirm = () => void this.conns.sendTo(record, { type: MessageType.JoinRoom, room, ok: true });
      if (ready === undefined) confirm();
      else void ready.then(confirm);
    } else if (!r.ok) this.logger.debug(`join of "${room}" by ${record.id} refused: ${r.reason}`);
  }

  leaveRoom(record: ClientRecord, room: string): void {
    const r = this.rooms.leave(record, room);
    if (r.ok && r.changed) this.conns.sendTo(record, { type: MessageType.LeaveRoom, room, ok: true });
  }

  reply(record: ClientRecord, request: PendingRequest, data: unknown, ackName: string): void {
    this.conns.reply(record, request, data, ackName);
  }

  pushAck(record: ClientRecord, ackName: string, data: unknown): void {
    this.conns.sendTo(record, { type: MessageType.AckResponse, ack: ackName, data });
  }

  // ---------------------------------------------------------------- information (this node)

  /** Connected clients with their rooms (members of `room` only, when given). */
  getClients(room?: string): { id: string; rooms: string[] }[] {
    return this.local.localClients(room);
  }

  /** Ids of the clients in `room`. */
  getRoomMembers(room: string): string[] {
    return this.local.localRoomMembers(room);
  }

  /** Names of the active (non-empty) rooms. */
  getRooms(): string[] {
    return this.local.localRooms();
  }

  getStats(): StelarStats {
    return { ...this.conns.stats(), uptime: this.lifecycle.uptime(), memoryUsage: process.memoryUsage() };
  }

  /** The bound HTTP/WebSocket port (the configured one before start()). */
  getPort(): number {
    return this.lifecycle.port() ?? this.opts.port;
  }

  /** The bound TCP port, or null when TCP is disabled or not started. */
  getTcpPort(): number | null {
    return this.lifecycle.tcpPort();
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
    callback?.(port);
    return port;
  }

  /** Tells clients (WS 1001 / TCP Disconnect), closes every socket and listener, clears timers. */
  stop(): Promise<void> {
    return this.lifecycle.stop();
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
