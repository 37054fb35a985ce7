import type { Clock, TimerHandle } from '../ports/clock.port';
import type { Connection, ConnectionHandler } from '../ports/connection.port';
import type { IdGenerator } from '../ports/id-generator.port';
import type { Logger } from '../ports/logger.port';
import type { MaybePromise } from '../ports/maybe-promise';
import type { ConnectionAcceptor, HandshakeInfo, Refusal } from '../ports/transport.port';
import type { AdmissionService } from './admission.service';
import { BasicContextFactory } from './basic-context.factory';
import { ClientRecord, ClientState } from './client-record';
import type { ClientRegistry } from './client-registry.service';
import type { ContextFactory, HandlerContext, PendingRequest } from './context.types';
import { MIDDLEWARE_ERROR, MIDDLEWARE_TIMEOUT, type Dispatcher, type MiddlewareResult } from './dispatcher.service';
import { CloseCode, StelarErrorCode, type ProtocolError } from './errors';
import { HeartbeatService } from './heartbeat.service';
import type { HookRunner } from './hook-runner.service';
import { errorMessage } from './hook-runner.service';
import { InboundPipeline } from './inbound-pipeline.service';
import { MessageType, type StelarMessage } from './message';
import { MessageRouter } from './message-router.service';
import { MessageSender, type SendOptions } from './message-sender.service';
import { isPromise, type RateLimitPolicy } from './rate-limit-policy.service';
import type { RoomRegistry } from './room-registry.service';
import { CLEANUP_INTERVAL_MS, type CodecMap, type ServerLimits } from './server-limits';

/** Everything the connection service is built from (the composition root supplies it). */
export interface ConnectionServiceDeps<C extends HandlerContext = HandlerContext> {
  readonly codecs: CodecMap;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
  readonly clients: ClientRegistry;
  readonly rooms: RoomRegistry;
  readonly rateLimits: RateLimitPolicy;
  readonly admission: AdmissionService;
  readonly hooks: HookRunner;
  readonly dispatcher: Dispatcher<C>;
  /**
   * Builds handler contexts. Optional so the application can create its factory after this
   * service (it usually needs the service to send) and install it with setContextFactory;
   * until then a {@link BasicContextFactory} is used.
   */
  readonly contexts?: ContextFactory<C>;
  /** Read on every use: mutate it (or call updateLimits) to change limits live. */
  readonly limits: ServerLimits;
  /** Optional: a pre-built sender (else one is created from the deps above). */
  readonly sender?: MessageSender;
}

/** The numbers of StelarStats the domain knows (everything except memoryUsage). */
export interface DomainStats {
  totalConnections: number;
  activeConnections: number;
  totalMessagesReceived: number;
  totalMessagesSent: number;
  totalRooms: number;
  uptime: number;
  wsConnections: number;
  tcpConnections: number;
  rateLimiterEntries: number;
}

/**
 * The connection lifecycle: admission (screen → middleware → Connect), the inbound pipeline,
 * heartbeats, fan-out sends and exactly-once cleanup on close. One instance is the
 * ConnectionAcceptor of every transport and the ConnectionHandler of every connection (no
 * per-connection closures).
 */
export class ConnectionService<C extends HandlerContext = HandlerContext>
  implements ConnectionAcceptor, ConnectionHandler
{
  readonly sender: MessageSender;
  readonly router: MessageRouter<C>;
  readonly inbound: InboundPipeline;
  readonly heartbeats: HeartbeatService;
  private readonly d: ConnectionServiceDeps<C>;
  private contexts: ContextFactory<C>;
  private readonly admitting = new Set<ClientRecord>();
  private readonly startedAt: number;
  private cleanupTimer: TimerHandle | null = null;
  private limiterEntries = 0;
  private limiterSizeIsAsync = false;

  constructor(deps: ConnectionServiceDeps<C>) {
    const { codecs, clock, logger, clients, rooms, hooks, limits } = deps;
    this.d = deps;
    this.sender = deps.sender ?? new MessageSender(codecs, clients, rooms, hooks, limits, logger);
    this.contexts = deps.contexts ?? (new BasicContextFactory() as unknown as ContextFactory<C>);
    this.router = new MessageRouter(deps.dispatcher, this.contexts, rooms, this.sender, logger);
    this.inbound = new InboundPipeline(
      codecs, clock, hooks, deps.rateLimits, limits, this.router, this.sender, logger,
    );
    this.heartbeats = new HeartbeatService(clock, clients, limits, logger);
    this.startedAt = clock.now();
  }

  /** Installs the application's context factory (used for every context created from now). */
  setContextFactory(contexts: ContextFactory<C>): void {
    this.contexts = contexts;
    this.router.setContextFactory(contexts);
  }

  // ---------------------------------------------------------------- timers

  /** Starts the heartbeat and the 30 s maintenance timer (idempotent; accept() calls it). */
  start(): void {
    if (this.cleanupTimer === null) {
      this.cleanupTimer = this.d.clock.setInterval(() => this.maintenance(), CLEANUP_INTERVAL_MS);
    }
    this.heartbeats.start();
  }

  /** Clears every timer. Connections are left alone (see closeAll). */
  dispose(): void {
    this.heartbeats.stop();
    if (this.cleanupTimer !== null) {
      this.d.clock.clearInterval(this.cleanupTimer);
      this.cleanupTimer = null;
    }
  }

  /** Changes limits live; a new heartbeatInterval restarts the (single) heartbeat timer. */
  updateLimits(partial: Partial<ServerLimits>): void {
    Object.assign(this.d.limits, partial);
    this.heartbeats.refresh();
  }

  /** The 30 s maintenance: limiter and tracker cleanup, refresh of rateLimiterEntries. */
  maintenance(): void {
    this.guard('rate limiter cleanup', () => this.d.rateLimits.cleanup());
    this.d.admission.cleanup();
    this.refreshLimiterEntries();
  }

  // ---------------------------------------------------------------- admission

  /** ConnectionAcceptor: screening before the protocol handshake. */
  screen(info: HandshakeInfo): MaybePromise<Refusal | null> {
    return this.d.admission.screen(info);
  }

  /**
   * ConnectionAcceptor: takes ownership of a handshaken connection. The context is created and
   * the middleware chain started one microtask later, so that a TCP hello the transport hands
   * over right after accept() (docs/PROTOCOL.md, TCP lifecycle) is on the record
   * (`record.hello`, with the middleware headers) before any middleware runs.
   */
  accept(conn: Connection): void {
    this.start();
    conn.setHandler(this);
    let record: ClientRecord;
    try {
      record = new ClientRecord(this.d.ids.next(), conn, this.d.clock.now());
    } catch (err) {
      this.d.logger.error(`cannot accept connection: ${errorMessage(err)}`);
      conn.close(CloseCode.InternalError, 'Internal error');
      return;
    }
    conn.owner = record;
    if (this.d.clients.has(record.id)) {
      this.d.logger.error(`client id "${record.id}" is already in use`);
      return this.sender.closeWithError(record, StelarErrorCode.Internal, 'Duplicate client id', CloseCode.InternalError);
    }
    // Screening happened before the handshake; the server may have filled up since.
    if (this.d.admission.isFull(record.info.remoteAddress)) {
      return this.sender.closeWithError(record, StelarErrorCode.ServerFull, 'Server is full', CloseCode.TryAgainLater);
    }
    this.d.admission.beginAdmission();
    record.holdsAdmissionSlot = true;
    this.admitting.add(record);
    queueMicrotask(() => this.runAdmission(record));
  }

  private runAdmission(record: ClientRecord): void {
    // Closed before the microtask (onClose releases the slot, or is on its way).
    if (record.state !== ClientState.Admitting || !record.conn.isOpen) return;
    let ctx: C;
    try {
      ctx = this.contexts.create(record);
    } catch (err) {
      this.d.logger.error(`cannot create the connection context: ${errorMessage(err)}`);
      this.releaseAdmissionSlot(record);
      return this.sender.closeWithError(record, StelarErrorCode.Internal, 'Internal error', CloseCode.InternalError);
    }
    record.connectionContext = ctx;
    this.d.dispatcher.runMiddleware(ctx, this.d.limits.connectTimeout).then(
      (r) => this.finishAdmission(record, r),
      () => this.finishAdmission(record, { ok: false, reason: MIDDLEWARE_ERROR }),
    );
  }

  private finishAdmission(record: ClientRecord, result: MiddlewareResult): void {
    this.releaseAdmissionSlot(record);
    // Closed while the middleware ran (or the peer left and onClose is on its way).
    if (record.state !== ClientState.Admitting || !record.conn.isOpen) return;
    if (!result.ok) {
      const code = result.reason === MIDDLEWARE_TIMEOUT ? StelarErrorCode.ConnectTimeout : StelarErrorCode.Unauthorized;
      return this.sender.closeWithError(record, code, result.reason, CloseCode.PolicyViolation);
    }
    if (this.d.clients.has(record.id)) {
      return this.sender.closeWithError(record, StelarErrorCode.Internal, 'Duplicate client id', CloseCode.InternalError);
    }
    const { info, conn } = record;
    this.d.clients.add(record);
    record.state = ClientState.Open;
    info.lastPing = this.d.clock.now();
    this.d.admission.admitted(info.remoteAddress);
    // The Connect message is the first thing an admitted client receives.
    this.sender.sendTo(record, {
      type: MessageType.Connect,
      clientId: info.id,
      maxPayloadSize: this.d.limits.maxPayloadSize,
      heartbeatInterval: this.d.limits.heartbeatInterval,
    });
    this.d.hooks.call('onClientConnect', {
      clientId: info.id,
      ip: info.remoteAddress,
      protocol: info.protocol,
      metadata: info.metadata,
    });
    if (record.state === ClientState.Open && conn.isOpen) {
      this.d.dispatcher.dispatchConnection(record.connectionContext as C);
    }
  }

  private releaseAdmissionSlot(record: ClientRecord): void {
    this.admitting.delete(record);
    if (record.holdsAdmissionSlot) {
      record.holdsAdmissionSlot = false;
      this.d.admission.endAdmission();
    }
  }

  // ---------------------------------------------------------------- ConnectionHandler

  onMessage(conn: Connection, payload: Uint8Array, binary: boolean): void {
    this.inbound.onMessage(conn, payload, binary);
  }

  onProtocolError(conn: Connection, err: ProtocolError): void {
    this.inbound.onProtocolError(conn, err);
  }

  onPong(conn: Connection): void {
    this.inbound.onPong(conn);
  }

  /** Exactly once per connection: hooks and handlers first, then every index entry goes. */
  onClose(conn: Connection, _code: number, _reason: string): void {
    const record = conn.owner as ClientRecord | null;
    if (!(record instanceof ClientRecord) || record.state === ClientState.Closed) return;
    const registered = this.d.clients.get(record.id) === record;
    record.state = ClientState.Closed;
    record.inbox = null;
    this.releaseAdmissionSlot(record);
    const info = record.info;
    if (registered) {
      // Rooms are reported as they were, before the cleanup below empties the live set.
      this.d.hooks.call('onClientDisconnect', {
        clientId: info.id,
        ip: info.remoteAddress,
        protocol: info.protocol,
        rooms: new Set(info.rooms),
      });
      this.d.dispatcher.dispatchDisconnect(record.connectionContext as C);
    }
    this.d.rooms.leaveAll(record);
    if (registered) {
      this.d.clients.remove(info.id);
      this.d.admission.released(info.remoteAddress);
    }
    const id = info.id;
    this.guard('rate limiter reset', () => this.d.rateLimits.reset(id));
    conn.owner = null;
    record.connectionContext = undefined;
  }

  /** Closes one client by id; false when it is not connected here. */
  disconnect(id: string, code: number = CloseCode.Normal, reason = ''): boolean {
    const record = this.d.clients.get(id);
    if (record === undefined || record.state !== ClientState.Open) return false;
    this.sender.close(record, code, reason);
    return true;
  }

  /** Closes every connection, admitted or still in middleware (shutdown). */
  closeAll(code: number = CloseCode.GoingAway, reason = 'Server shutting down'): void {
    for (const r of [...this.admitting, ...this.d.clients.values()]) this.sender.close(r, code, reason);
  }

  // ---------------------------------------------------------------- sending (for the application)

  sendTo(record: ClientRecord, message: StelarMessage): boolean {
    return this.sender.sendTo(record, message);
  }

  toId(id: string, message: StelarMessage): boolean {
    return this.sender.toId(id, message);
  }

  /** -1 when onBeforeBroadcast cancelled it, else the recipient count. */
  broadcast(message: StelarMessage, excludeId?: string, options?: SendOptions): number {
    return this.sender.broadcast(message, excludeId, options);
  }

  toRoom(room: string, message: StelarMessage, excludeId?: string, options?: SendOptions): number {
    return this.sender.toRoom(room, message, excludeId, options);
  }

  /** Answers an AckRequest at most once (ctx.ack / ctx.send inside a request handler). */
  reply(record: ClientRecord, request: PendingRequest, data: unknown, ackName?: string): boolean {
    return this.router.reply(record, request, data, ackName);
  }

  replyError(record: ClientRecord, request: PendingRequest, message: string): boolean {
    return this.router.replyError(record, request, message);
  }

  // ---------------------------------------------------------------- stats

  /** Clients still running their middleware. */
  get admittingCount(): number {
    return this.admitting.size;
  }

  /** StelarStats without memoryUsage; synchronous even with an async rate limiter. */
  stats(): DomainStats {
    const { clients, rooms, clock } = this.d;
    if (!this.limiterSizeIsAsync) this.refreshLimiterEntries();
    return {
      totalConnections: clients.totalConnected,
      activeConnections: clients.size,
      totalMessagesReceived: this.inbound.totalReceived,
      totalMessagesSent: this.sender.totalSent,
      totalRooms: rooms.size,
      uptime: clock.now() - this.startedAt,
      wsConnections: clients.count('ws'),
      tcpConnections: clients.count('tcp'),
      rateLimiterEntries: this.limiterEntries,
    };
  }

  private refreshLimiterEntries(): void {
    let size: MaybePromise<number>;
    try {
      size = this.d.rateLimits.size();
    } catch (err) {
      this.d.logger.warn(`rate limiter size failed: ${errorMessage(err)}`);
      return;
    }
    if (isPromise<number>(size)) {
      // Networked limiters are asked only by the maintenance timer; stats() serves the cache.
      this.limiterSizeIsAsync = true;
      size.then(
        (n) => (this.limiterEntries = n),
        (err: unknown) => this.d.logger.warn(`rate limiter size failed: ${errorMessage(err)}`),
      );
    } else {
      this.limiterEntries = size;
    }
  }

  private guard(what: string, fn: () => MaybePromise<void>): void {
    try {
      const r = fn();
      if (isPromise(r)) r.then(undefined, (err: unknown) => this.d.logger.warn(`${what} failed: ${errorMessage(err)}`));
    } catch (err) {
      this.d.logger.warn(`${what} failed: ${errorMessage(err)}`);
    }
  }
}
