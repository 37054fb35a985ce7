import type { TimerHandle } from '../ports/clock.port';
import type { ClusterDelivery } from '../ports/cluster-bus.port';
import type { Connection, ConnectionHandler } from '../ports/connection.port';
import type { MaybePromise } from '../ports/maybe-promise';
import type { AttemptEnded, ConnectionAcceptor, HandshakeInfo, Refusal } from '../ports/transport.port';
import { ClientRecord, ClientState } from './client-record';
import type { HandlerContext, PendingRequest } from './context.types';
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
import { SessionAdmission } from './recovery/session-admission';
import { ConnectionAdmission } from './connection-admission.service';
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
  private readonly startedAt: number;
  private cleanupTimer: TimerHandle | null = null;
  private limiterEntries = 0;
  private limiterSizeIsAsync = false;
  /** Session recovery (null when the `recovery` option is off). */
  private readonly sessions: SessionAdmission | null;
  /** Screening → accept → middleware → Connect (connection-admission.service.ts). */
  private readonly admission: ConnectionAdmission<C>;

  constructor(deps: ConnectionServiceDeps<C>) {
    this.d = deps;
    this.counters = deps.counters;
    this.sender = deps.sender;
    this.router = deps.router;
    this.inbound = deps.inbound;
    this.heartbeats = deps.heartbeats;
    this.startedAt = deps.clock.now();
    this.sessions =
      deps.recovery !== undefined && deps.recovery.enabled
        ? new SessionAdmission(deps.recovery, deps.clients, deps.rooms, deps.clock, (r, code, reason) => this.onClose(r.conn, code, reason))
        : null;
    this.admission = new ConnectionAdmission(deps, this.sessions, this);
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
    this.d.sequencer?.dispose();
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

  // ---------------------------------------------------------------- admission (connection-admission.service.ts)

  /** ConnectionAcceptor: screening before the protocol handshake (a passed attempt holds a slot). */
  screen(info: HandshakeInfo): MaybePromise<Refusal | null> {
    return this.admission.screen(info);
  }

  /** ConnectionAcceptor: a screened attempt died before its handshake completed. */
  abandon(info: HandshakeInfo): void {
    this.admission.abandon(info);
  }

  /** ConnectionAcceptor: a transport ended an attempt at one of its bounds (logged, throttled). */
  attemptEnded(event: AttemptEnded): void {
    this.admission.attemptEnded(event);
  }

  /** ConnectionAcceptor: takes ownership of a handshaken connection (starts the timers first). */
  accept(conn: Connection, info?: HandshakeInfo): void {
    this.start();
    this.admission.accept(conn, info);
  }

  // ---------------------------------------------------------------- ConnectionHandler

  onMessage(conn: Connection, payload: Uint8Array, binary: boolean): void {
    this.inbound.onMessage(conn, payload, binary);
    // A browser's resume hello ends a wait (session-admission.ts); 0 waiting nearly always.
    if (this.sessions !== null && this.sessions.awaitingHello !== 0) this.admission.afterMessage(conn);
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
    this.admission.releaseAdmissionSlot(record);
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
    for (const r of [...this.admission.admitting, ...this.d.clients.values()]) this.sender.close(r, code, reason);
  }

  // ---------------------------------------------------------------- sending (for the application)

  sendTo(record: ClientRecord, message: StelarMessage): boolean {
    return this.sender.sendTo(record, message);
  }

  toId(id: string, message: StelarMessage): boolean {
    return this.sender.toId(id, message);
  }

  /** Session recovery in a cluster: `id`'s session resumed on another node; its connection here goes (4001). */
  sessionTaken(id: string): boolean {
    return this.sessions !== null && this.sessions.takenElsewhere(id);
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
        if (t.clientId === delivery.excludeId) return 0;
        if (this.sender.toId(t.clientId, message)) return 1;
        // Sent here as the session's holder, but its connection just went: into its history instead.
        // (Unless its session is still held here: then the sender recorded it in its direct stream.)
        if (recovery !== undefined && recovery.distributed && !recovery.recordsDirect(t.clientId)) {
          void recovery.sendAway(t.clientId, message, this.d.clock.now(), true);
        }
        return 0;
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
    return this.admission.admitting.size;
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
    stats.handshakesShed = this.counters.refused.get(StelarErrorCode.ServerBusy) ?? 0;
    stats.handshakesPeerGone = this.counters.refused.get(StelarErrorCode.PeerGone) ?? 0;
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
