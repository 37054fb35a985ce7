import type { TimerHandle } from '../ports/clock.port';
import type { ClusterDelivery } from '../ports/cluster-bus.port';
import type { Connection, ConnectionHandler } from '../ports/connection.port';
import type { MaybePromise } from '../ports/maybe-promise';
import type { AttemptEnded, ConnectionAcceptor, HandshakeInfo, Refusal } from '../ports/transport.port';
import { AttemptLog } from './attempt-log';
import { ClientRecord, ClientState } from './client-record';
import type { ContextFactory, HandlerContext, PendingRequest } from './context.types';
import { MIDDLEWARE_ERROR, MIDDLEWARE_TIMEOUT, type MiddlewareResult } from './dispatcher.service';
import { CloseCode, StelarErrorCode, type ProtocolError } from './errors';
import { errorMessage } from './hook-runner.service';
import { MessageType, type StelarMessage } from './message';
import type { MessageSender, SendOptions } from './message-sender.service';
import type { HeartbeatService } from './heartbeat.service';
import type { InboundPipeline } from './inbound-pipeline.service';
import type { MessageRouter } from './message-router.service';
import { isPromise } from './rate-limit-policy.service';
import { CLEANUP_INTERVAL_MS, type ServerLimits } from './server-limits';
import type { ConnectionServiceDeps, DomainStats } from './connection-service.types';
import { SessionAdmission, type SessionOutcome } from './recovery/session-admission';
import { ALL_STREAM, roomStream } from './recovery/stream-names';
import type { ServerCounters } from './metrics/server-counters';

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
  /** Plain integer counters every metric is read from (docs/OPERATIONS.md). */
  readonly counters: ServerCounters;
  private readonly d: ConnectionServiceDeps<C>;
  private readonly contexts: ContextFactory<C>;
  private readonly admitting = new Set<ClientRecord>();
  private readonly startedAt: number;
  private cleanupTimer: TimerHandle | null = null;
  private limiterEntries = 0;
  private limiterSizeIsAsync = false;
  /** Session recovery (null when the `recovery` option is off). */
  private readonly sessions: SessionAdmission | null;
  private readonly attemptLog: AttemptLog;

  constructor(deps: ConnectionServiceDeps<C>) {
    this.d = deps;
    this.counters = deps.counters;
    this.sender = deps.sender;
    this.contexts = deps.contexts;
    this.router = deps.router;
    this.inbound = deps.inbound;
    this.heartbeats = deps.heartbeats;
    this.startedAt = deps.clock.now();
    this.sessions =
      deps.recovery !== undefined && deps.recovery.enabled
        ? new SessionAdmission(deps.recovery, deps.clients, deps.rooms, deps.clock, (r, code, reason) => this.onClose(r.conn, code, reason))
        : null;
    this.attemptLog = new AttemptLog(deps.logger, deps.clock);
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
    if (this.sessions !== null) this.sessions.sweep();
    this.refreshLimiterEntries();
  }

  // ---------------------------------------------------------------- admission

  /** ConnectionAcceptor: screening before the protocol handshake (a passed attempt holds a slot). */
  screen(info: HandshakeInfo): MaybePromise<Refusal | null> {
    const r = this.d.admission.screen(info);
    if (r === null) return null;
    if (!isPromise<Refusal | null>(r)) {
      this.refused(info.remoteAddress, info.protocol, r.code, r.reason);
      return r;
    }
    return r.then((refusal) => {
      if (refusal !== null) this.refused(info.remoteAddress, info.protocol, refusal.code, refusal.reason);
      return refusal;
    });
  }

  /** ConnectionAcceptor: a screened attempt died before its handshake completed. */
  abandon(info: HandshakeInfo): void {
    this.d.admission.abandon(info);
  }

  /** ConnectionAcceptor: a transport ended an attempt at one of its bounds (logged, throttled). */
  attemptEnded(event: AttemptEnded): void {
    this.counters.countRefusal(event.code);
    this.attemptLog.report(event);
  }

  /** Counts and logs one refused connection attempt (screening, admission or middleware). */
  private refused(ip: string, protocol: string, code: string, reason: string): void {
    this.counters.countRefusal(code);
    this.d.logger.info({ ip, protocol, code, reason }, 'connection refused');
  }

  /** A refusal after the handshake: counted, logged, then the client is told and closed. */
  private refuse(record: ClientRecord, code: StelarErrorCode, reason: string, closeCode: number): void {
    this.refused(record.info.remoteAddress, record.protocol, code, reason);
    this.sender.closeWithError(record, code, reason, closeCode);
  }

  /**
   * ConnectionAcceptor: takes ownership of a handshaken connection. The context is created and
   * the middleware chain started one microtask later, so that a TCP hello the transport hands
   * over right after accept() (docs/PROTOCOL.md, TCP lifecycle) is on the record
   * (`record.hello`, with the middleware headers) before any middleware runs.
   */
  accept(conn: Connection, info?: HandshakeInfo): void {
    // The attempt's slot (screened with `info`) passes to the connection, whatever happens next.
    const claimed = this.d.admission.claim(info);
    this.start();
    conn.setHandler(this);
    let record: ClientRecord;
    try {
      record = new ClientRecord(this.d.ids.next(), conn, this.d.clock.now(), this.counters.traffic(conn.protocol));
    } catch (err) {
      this.d.logger.error({ err, ip: conn.remoteAddress, protocol: conn.protocol }, 'cannot accept connection');
      if (claimed) this.d.admission.releaseClaim(conn.remoteAddress);
      conn.close(CloseCode.InternalError, 'Internal error');
      return;
    }
    conn.owner = record;
    if (claimed) {
      // Counted since its arrival: the slot and the tracker entry are this record's now.
      record.holdsAdmissionSlot = true;
      record.countedByTracker = true;
    }
    if (this.d.clients.has(record.id)) {
      this.d.logger.error({ clientId: record.id }, 'client id is already in use');
      return this.refuse(record, StelarErrorCode.Internal, 'Duplicate client id', CloseCode.InternalError);
    }
    if (!claimed) {
      // Not screened by this service (or its slot is gone): take a slot now, if one is free.
      if (this.d.admission.isFull(record.info.remoteAddress)) {
        return this.refuse(record, StelarErrorCode.ServerFull, 'Server is full', CloseCode.TryAgainLater);
      }
      this.d.admission.beginAdmission();
      record.holdsAdmissionSlot = true;
    }
    this.admitting.add(record);
    queueMicrotask(() => this.runAdmission(record));
  }

  private runAdmission(record: ClientRecord): void {
    // Closed before the microtask (onClose releases the slot, or is on its way).
    if (record.state !== ClientState.Admitting || !record.conn.isOpen) return;
    // A resume takes the session's id before the middleware runs (it sees the resumed id).
    const claimed = this.sessions === null ? undefined : this.sessions.begin(record);
    // A networked session store answers later (bounded by its timeout; never rejects).
    if (claimed !== undefined) void claimed.then(() => this.runMiddleware(record));
    else this.runMiddleware(record);
  }

  private runMiddleware(record: ClientRecord): void {
    if (record.state !== ClientState.Admitting || !record.conn.isOpen) return;
    let ctx: C;
    try {
      ctx = this.contexts.create(record);
    } catch (err) {
      this.d.logger.error({ err, clientId: record.id }, 'cannot create the connection context');
      this.releaseAdmissionSlot(record);
      return this.refuse(record, StelarErrorCode.Internal, 'Internal error', CloseCode.InternalError);
    }
    record.connectionContext = ctx;
    if (this.sessions !== null && this.sessions.skipsMiddleware(record)) return this.finishAdmission(record, { ok: true });
    this.d.dispatcher
      .runMiddleware(ctx, this.d.limits.connectTimeout)
      .then(
        (r) => this.finishAdmission(record, r),
        () => this.finishAdmission(record, { ok: false, reason: MIDDLEWARE_ERROR }),
      )
      // Never leave a rejection unhandled (Node 20 would exit): log whatever escaped.
      .then(undefined, (err: unknown) => this.d.logger.error({ err, clientId: record.id }, 'admission failed'));
  }

  private finishAdmission(record: ClientRecord, result: MiddlewareResult): void {
    this.releaseAdmissionSlot(record);
    // Closed while the middleware ran (or the peer left and onClose is on its way).
    if (record.state !== ClientState.Admitting || !record.conn.isOpen) return;
    if (!result.ok) {
      if (this.sessions !== null) this.sessions.refused(record);
      const code = result.reason === MIDDLEWARE_TIMEOUT ? StelarErrorCode.ConnectTimeout : StelarErrorCode.Unauthorized;
      return this.refuse(record, code, result.reason, CloseCode.PolicyViolation);
    }
    // Session recovery: replaces a resumed session's old connection, restores rooms/metadata.
    const finished = this.sessions === null ? null : this.sessions.finish(record);
    if (this.d.clients.has(record.id)) {
      record.held = null;
      return this.refuse(record, StelarErrorCode.Internal, 'Duplicate client id', CloseCode.InternalError);
    }
    const { info } = record;
    this.d.clients.add(record);
    record.state = ClientState.Open;
    record.traffic.connectionsOpened++;
    this.d.logger.info({ clientId: info.id, ip: info.remoteAddress, protocol: info.protocol }, 'client connected');
    info.lastPing = this.d.clock.now();
    if (!record.countedByTracker) {
      record.countedByTracker = true;
      this.d.admission.admitted(info.remoteAddress);
    }
    if (finished !== null && 'ready' in finished) {
      // A networked resume: registered (what it is sent is held) until the history is read.
      void finished.ready.then((outcome) => this.goLive(record, outcome));
      return;
    }
    this.goLive(record, finished);
  }

  /** The Connect message, the missed messages, what was held, then the hooks and handlers. */
  private goLive(record: ClientRecord, outcome: SessionOutcome | null): void {
    const held = record.held;
    record.held = null;
    if (outcome !== null) this.counters.countRecovery(outcome.grant.recovered ? 'recovered' : (outcome.grant.reason ?? 'new'));
    if (record.state !== ClientState.Open || !record.conn.isOpen) return;
    const { info, conn } = record;
    // The Connect message is the first thing an admitted client receives.
    this.sender.sendTo(record, {
      type: MessageType.Connect,
      clientId: info.id,
      maxPayloadSize: this.d.limits.maxPayloadSize,
      heartbeatInterval: this.d.limits.heartbeatInterval,
      session: outcome?.grant,
    });
    // A resumed session's missed messages, in order, before anything new.
    const recovered = outcome !== null && outcome.grant.recovered;
    if (recovered) for (const m of outcome.missed) this.sender.sendTo(record, m);
    // Then what reached it while a networked resume read the history.
    if (held !== null) for (const out of held) this.sender.write(record, out);
    // Payloads only for hooks that are set: `info.metadata` is created on first access.
    if (this.d.hooks.has('onClientConnect')) {
      this.d.hooks.call('onClientConnect', {
        clientId: info.id,
        ip: info.remoteAddress,
        protocol: info.protocol,
        metadata: info.metadata,
        recovered,
      });
    }
    if (recovered && this.d.hooks.has('onClientResume')) {
      this.d.hooks.call('onClientResume', {
        clientId: info.id,
        ip: info.remoteAddress,
        protocol: info.protocol,
        missed: outcome.missed.length,
      });
    }
    if (record.state === ClientState.Open && conn.isOpen) {
      if (recovered) this.d.dispatcher.dispatchResume(record.connectionContext as C);
      else this.d.dispatcher.dispatchConnection(record.connectionContext as C);
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
  onClose(conn: Connection, code: number, reason: string): void {
    const record = conn.owner as ClientRecord | null;
    if (!(record instanceof ClientRecord) || record.state === ClientState.Closed) return;
    const registered = this.d.clients.get(record.id) === record;
    record.state = ClientState.Closed;
    record.inbox = null;
    this.releaseAdmissionSlot(record);
    const info = record.info;
    if (this.sessions !== null) {
      this.sessions.refused(record); // closed while a resume was being admitted
      if (registered) this.sessions.closed(record, code);
    }
    if (registered) {
      record.traffic.connectionsClosed++;
      this.d.logger.info(
        {
          clientId: info.id,
          ip: info.remoteAddress,
          protocol: info.protocol,
          code,
          // A WebSocket peer's close frame may echo no reason: log the one the server gave.
          reason: record.closeReason ?? reason,
          connectedMs: this.d.clock.now() - info.connectedAt,
        },
        'client disconnected',
      );
      // Rooms are reported as they were, before the cleanup below empties the live set.
      if (this.d.hooks.has('onClientDisconnect')) {
        this.d.hooks.call('onClientDisconnect', {
          clientId: info.id,
          ip: info.remoteAddress,
          protocol: info.protocol,
          rooms: new Set(info.roomsIfAny()),
        });
      }
      this.d.dispatcher.dispatchDisconnect(record.connectionContext as C);
    }
    this.d.rooms.leaveAll(record);
    if (registered) this.d.clients.remove(info.id);
    if (record.countedByTracker) {
      record.countedByTracker = false;
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
    return record !== undefined && this.sender.adminClose(record, code, reason);
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

  /** Local fan-out without onBeforeBroadcast (cluster deliveries approved on their origin node). */
  deliverToAll(message: StelarMessage, excludeId?: string, options?: SendOptions): number {
    return this.sender.deliverToAll(message, excludeId, options);
  }

  /**
   * Delivers a message published by another node to the local recipients (pass this as the
   * bus's `onDelivery`). Hooks are not consulted again. Returns the local recipient count.
   */
  deliverFromCluster(delivery: ClusterDelivery): number {
    const message: StelarMessage =
      delivery.bytes !== undefined
        ? { type: MessageType.Binary, event: delivery.event, bytes: delivery.bytes, meta: delivery.meta }
        : { type: MessageType.Event, event: delivery.event, data: delivery.data };
    const t = delivery.target;
    const pos = delivery.pos;
    const recovery = this.d.recovery;
    if (pos !== undefined && recovery !== undefined && recovery.enabled && t.kind !== 'client') {
      // Appended for the whole cluster by the publisher's stream store: delivered with its position.
      const wire = t.kind === 'room' ? roomStream(t.room) : ALL_STREAM;
      const positioned = recovery.positioned(wire, message, pos);
      return this.sender.deliverPositioned(t.kind === 'room' ? t.room : null, message, positioned, delivery.excludeId, delivery.exclude2);
    }
    switch (t.kind) {
      case 'all':
        return this.sender.deliverToAll(message, delivery.excludeId);
      case 'room':
        return this.sender.toRoom(t.room, message, delivery.excludeId);
      case 'client':
        return t.clientId !== delivery.excludeId && this.sender.toId(t.clientId, message) ? 1 : 0;
      default:
        return 0;
    }
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
    const { clients, rooms, clock, codecs } = this.d;
    if (!this.limiterSizeIsAsync) this.refreshLimiterEntries();
    const stats: DomainStats = {
      totalConnections: clients.totalConnected,
      activeConnections: clients.size,
      totalMessagesReceived: this.inbound.totalReceived,
      totalMessagesSent: this.sender.totalSent,
      totalRooms: rooms.size,
      uptime: clock.now() - this.startedAt,
    } as DomainStats;
    for (const protocol of codecs.protocols()) stats[`${protocol}Connections`] = clients.count(protocol);
    stats.rateLimiterEntries = this.limiterEntries;
    return stats;
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
