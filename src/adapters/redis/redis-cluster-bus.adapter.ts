/**
 * ClusterBus over Redis pub/sub: several Stelar nodes behind one Redis deliver broadcasts, room
 * and client messages across nodes and answer cluster-wide room/client/stats queries.
 *
 * Channels (`<p>` = prefix): `<p>:d` deliveries, `<p>:q` queries, `<p>:r:<nodeId>` replies to one
 * node. Every message is a binary envelope (cluster-envelope.codec.ts) carrying its origin node,
 * so a node drops its own deliveries: the publishing node has already delivered locally.
 * Guarantees: at-most-once across nodes (no retry, no offline queue), ordered per publisher
 * (one publisher connection, one channel for all deliveries).
 */
import type {
  ClusterBus,
  ClusterDelivery,
  ClusterDeliveryHandler,
  ClusterQueryResult,
  ClusterStateProvider,
} from '../../ports/cluster-bus.port';
import type { Clock, TimerHandle } from '../../ports/clock.port';
import type { Logger } from '../../ports/logger.port';
import {
  type ClusterEnvelope,
  EnvelopeType,
  QueryKind,
  decodeEnvelope,
  encodeDelivery,
  encodeQuery,
  encodeReply,
  isFromOrigin,
} from './cluster-envelope.codec';
import {
  type ClusterClientInfo,
  isClientList,
  isStatsRecord,
  isStringArray,
  mergeClientLists,
  mergeStringLists,
} from './cluster-query.merge';
import { type RedisClientLike, type RedisConstructorLike, loadIoredis } from './ioredis.loader';
import { NodePresenceTracker } from './node-presence.tracker';
import { PendingQueryRegistry } from './pending-query.registry';
import {
  type RedisClusterBusOptions,
  type RedisConnectionOptions,
  resolveClusterBusOptions,
} from './redis-cluster-bus.options';
import {
  closeClient,
  createRedisClient,
  describeRedisTarget,
  settleWithin,
} from './redis-client.util';
import { localAnswer } from './local-query.answer';
import { decodeControl, encodeDisconnect, isControlEnvelope } from './cluster-control.codec';

const IDLE = 0;
const STARTING = 1;
const RUNNING = 2;
const STOPPING = 3;

/** Counters for monitoring and tests. */
export interface RedisClusterBusCounters {
  /** Deliveries handed to Redis. */
  published: number;
  /** Deliveries dropped because Redis was unavailable (at-most-once, never queued). */
  dropped: number;
  /** Deliveries received from other nodes. */
  received: number;
  /** Malformed envelopes ignored. */
  invalid: number;
  /** Cluster queries some live node did not answer in time (the result was partial). */
  queryTimeouts: number;
  /** Times a Redis connection (publisher or subscriber) came back after an outage. */
  reconnects: number;
}

/** The Redis implementation of the {@link ClusterBus} port. */
export class RedisClusterBus implements ClusterBus {
  readonly nodeId: string;
  readonly clustered = true;
  /** Live counters (mutated in place). */
  readonly counters: RedisClusterBusCounters = {
    published: 0,
    dropped: 0,
    received: 0,
    invalid: 0,
    queryTimeouts: 0,
    reconnects: 0,
  };

  private readonly Redis: RedisConstructorLike;
  private readonly redisTarget: string | RedisConnectionOptions;
  private readonly prefix: string;
  private readonly heartbeatMs: number;
  private readonly nodeTtlMs: number;
  private readonly queryTimeoutMs: number;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly queries: PendingQueryRegistry;
  private readonly nodeIdBytes: Buffer;
  private readonly deliveryChannel: Buffer;
  private readonly queryChannel: Buffer;

  private phase = IDLE;
  private pub: RedisClientLike | undefined;
  private sub: RedisClientLike | undefined;
  private presence: NodePresenceTracker | undefined;
  private onDelivery: ClusterDeliveryHandler | undefined;
  private state: ClusterStateProvider | undefined;
  private heartbeat: TimerHandle | undefined;
  /** Other live nodes seen by the last presence check (used while Redis is unreachable). */
  private knownPeers = 0;
  private pubHealthy = true;
  private subHealthy = true;
  private droppedInOutage = 0;
  private starting: Promise<void> | undefined;

  /**
   * @throws MissingPeerDependencyError when `ioredis` is not installed.
   * @throws TypeError/RangeError on invalid options.
   */
  constructor(options: RedisClusterBusOptions) {
    const o = resolveClusterBusOptions(options);
    this.Redis = loadIoredis(options.requireFn);
    this.redisTarget = options.redis;
    this.nodeId = o.nodeId;
    this.prefix = o.prefix;
    this.heartbeatMs = o.heartbeatMs;
    this.nodeTtlMs = o.nodeTtlMs;
    this.queryTimeoutMs = o.queryTimeoutMs;
    this.logger = o.logger;
    this.clock = o.clock;
    this.queries = new PendingQueryRegistry(o.clock);
    this.nodeIdBytes = Buffer.from(o.nodeId, 'utf8');
    this.deliveryChannel = Buffer.from(`${o.prefix}:d`);
    this.queryChannel = Buffer.from(`${o.prefix}:q`);
  }

  /** True between a successful start() and stop(). */
  get running(): boolean {
    return this.phase === RUNNING;
  }

  /**
   * Connects the publisher and subscriber, subscribes, announces this node and starts the
   * heartbeat. Rejects (leaving nothing running) when Redis cannot be reached at start.
   */
  start(onDelivery: ClusterDeliveryHandler, state: ClusterStateProvider): Promise<void> {
    if (typeof onDelivery !== 'function') throw new TypeError('onDelivery must be a function');
    if (state === null || typeof state !== 'object') throw new TypeError('state provider required');
    if (this.phase !== IDLE) return Promise.reject(new Error('RedisClusterBus.start() called twice'));
    this.phase = STARTING;
    this.starting = this.doStart(onDelivery, state);
    return this.starting;
  }

  private async doStart(onDelivery: ClusterDeliveryHandler, state: ClusterStateProvider): Promise<void> {
    this.onDelivery = onDelivery;
    this.state = state;
    const pub = (this.pub = createRedisClient(this.Redis, this.redisTarget, 'pub'));
    const sub = (this.sub = createRedisClient(this.Redis, this.redisTarget, 'sub'));
    this.presence = new NodePresenceTracker(pub, this.prefix, this.nodeId, this.nodeTtlMs);
    pub.on('error', this.onPubDown).on('reconnecting', this.onPubDown).on('ready', this.onPubReady);
    sub
      .on('error', this.onSubDown)
      .on('reconnecting', this.onSubDown)
      .on('ready', this.onSubReady)
      .on('messageBuffer', this.onMessage);
    try {
      await Promise.all([pub.connect(), sub.connect()]);
      await sub.subscribe(this.deliveryChannel, this.queryChannel, `${this.prefix}:r:${this.nodeId}`);
      await this.presence.announce();
    } catch (err) {
      await this.teardown();
      this.phase = IDLE;
      throw new Error(`Stelar cluster: cannot use Redis at ${describeRedisTarget(this.redisTarget)}: ${msg(err)}`, {
        cause: err,
      });
    }
    this.phase = RUNNING;
    this.heartbeat = this.clock.setInterval(this.beat, this.heartbeatMs);
    this.beat();
  }

  /** Withdraws this node from presence, settles open queries and closes both connections. */
  async stop(): Promise<void> {
    // Stopping while starting: let start() finish (or fail), then stop what it started.
    if (this.phase === STARTING) await this.starting?.catch(() => {});
    if (this.phase !== RUNNING) return;
    this.phase = STOPPING;
    if (this.heartbeat !== undefined) this.clock.clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.queries.settleAll();
    if (this.pub?.status === 'ready') {
      await settleWithin(this.presence!.withdraw(), 1000, this.clock).catch(() => {});
    }
    await this.teardown();
    this.onDelivery = undefined;
    this.state = undefined;
    this.knownPeers = 0;
    this.phase = IDLE;
  }

  /**
   * Sends `delivery` to every other node (never echoed back here). Dropped with a warning while
   * Redis is unavailable; never queued.
   * @throws RangeError/TypeError synchronously for an unencodable delivery.
   */
  publish(delivery: ClusterDelivery): void {
    if (this.phase !== RUNNING) return;
    const envelope = encodeDelivery(this.nodeId, delivery);
    if (this.pub!.status !== 'ready') {
      this.drop('Redis is not connected');
      return;
    }
    this.counters.published++;
    this.pub!.publish(this.deliveryChannel, envelope).catch(this.onPublishError);
  }

  /**
   * Asks the other nodes to close `clientId` (at most once, like deliveries: dropped while Redis
   * is unavailable). The node holding the client closes it with `code` and `reason`.
   */
  disconnect(clientId: string, code: number, reason: string): void {
    if (this.phase !== RUNNING) return;
    const envelope = encodeDisconnect(this.nodeId, clientId, code, reason);
    if (this.pub!.status !== 'ready') {
      this.drop('Redis is not connected');
      return;
    }
    this.pub!.publish(this.deliveryChannel, envelope).catch(this.onReplyError);
  }

  /** True when some other node has `clientId` connected (settles on the first "yes"). */
  async hasRemoteClient(clientId: string): Promise<boolean> {
    if (typeof clientId !== 'string') throw new TypeError('clientId must be a string');
    const r = await this.query(QueryKind.HasClient, clientId, false, isBoolean, anyTrue, isTrue);
    return r.value;
  }

  /** Every room that has a member on some node. */
  rooms(): Promise<ClusterQueryResult<string[]>> {
    return this.query(QueryKind.Rooms, undefined, this.local().localRooms(), isStringArray, mergeStringLists);
  }

  /** Members of `room` across the cluster. */
  roomMembers(room: string): Promise<ClusterQueryResult<string[]>> {
    if (typeof room !== 'string') throw new TypeError('room must be a string');
    const local = this.local().localRoomMembers(room);
    return this.query(QueryKind.RoomMembers, room, local, isStringArray, mergeStringLists);
  }

  /** Clients across the cluster (optionally only those in `room`). */
  clients(room?: string): Promise<ClusterQueryResult<ClusterClientInfo[]>> {
    if (room !== undefined && typeof room !== 'string') throw new TypeError('room must be a string');
    const local = this.local().localClients(room);
    return this.query(QueryKind.Clients, room, local, isClientList, mergeClientLists);
  }

  /** Per-node stats, this node first; `nodeIds` says which node each entry came from. */
  stats(): Promise<ClusterQueryResult<Record<string, number>[]>> {
    return this.query(QueryKind.Stats, undefined, this.local().localStats(), isStatsRecord, (l) => l);
  }

  /** Ids of the live nodes (this one included), pruning expired ones from the node set. */
  async liveNodes(): Promise<string[]> {
    if (this.phase !== RUNNING || this.pub!.status !== 'ready') return [this.nodeId];
    const live = await settleWithin(this.presence!.liveNodes(), this.queryTimeoutMs, this.clock);
    this.knownPeers = live.length - (live.includes(this.nodeId) ? 1 : 0);
    return live;
  }

  // ---- queries -------------------------------------------------------------------------------

  private async query<T, R>(
    kind: QueryKind,
    arg: string | undefined,
    local: T,
    valid: (v: unknown) => v is T,
    merge: (values: T[]) => R,
    isDone?: (v: unknown) => boolean,
  ): Promise<ClusterQueryResult<R>> {
    const alone = (partial: boolean) => ({
      value: merge([local]),
      partial,
      nodes: 1,
      nodeIds: [this.nodeId],
    });
    if (this.phase !== RUNNING || this.pub!.status !== 'ready') return alone(this.knownPeers > 0);
    const deadline = this.clock.now() + this.queryTimeoutMs;
    let peers: string[];
    try {
      peers = (await this.liveNodes()).filter((id) => id !== this.nodeId);
    } catch (err) {
      this.logger.warn(`[stelar:cluster] presence lookup failed: ${msg(err)}`);
      return alone(this.knownPeers > 0);
    }
    if (peers.length === 0) return alone(false);
    // stop() may have run while the presence lookup was in flight.
    if (this.phase !== RUNNING || this.pub === undefined) return alone(true);
    const remaining = Math.max(1, deadline - this.clock.now());
    const { id, outcome } = this.queries.open(new Set(peers), remaining, isDone);
    this.pub.publish(this.queryChannel, encodeQuery(this.nodeId, id, kind, arg)).catch(() =>
      this.queries.settle(id),
    );
    const { answers, missing } = await outcome;
    if (missing > 0) this.counters.queryTimeouts++;
    const values: T[] = [local];
    const nodeIds = [this.nodeId];
    let invalid = 0;
    for (const [node, v] of answers) {
      if (valid(v)) {
        values.push(v);
        nodeIds.push(node);
      } else {
        invalid++;
        this.logger.warn(`[stelar:cluster] ignoring a malformed answer from node ${node}`);
      }
    }
    return { value: merge(values), partial: missing > 0 || invalid > 0, nodes: nodeIds.length, nodeIds };
  }

  private answerQuery(env: Extract<ClusterEnvelope, { type: 2 }>): void {
    const state = this.state;
    if (state === undefined || this.pub?.status !== 'ready') return;
    let value: unknown;
    try {
      value = localAnswer(state, env.kind, env.arg);
    } catch (err) {
      // No answer: the asker reports a partial result instead of wrong data.
      this.logger.error(`[stelar:cluster] state provider failed answering a query: ${msg(err)}`);
      return;
    }
    const reply = encodeReply(this.nodeId, env.id, value);
    this.pub.publish(`${this.prefix}:r:${env.origin}`, reply).catch(this.onReplyError);
  }

  /** This node's state; empty before start() and after stop() (like the in-memory bus). */
  private local(): ClusterStateProvider {
    return this.state ?? EMPTY_STATE;
  }

  // ---- events (bound once: no per-message closures) ------------------------------------------

  private readonly onMessage = (_channel: Buffer, message: Buffer): void => {
    // Our own deliveries and queries come back through the subscription: skip them unparsed.
    if (isFromOrigin(message, this.nodeIdBytes)) return;
    if (isControlEnvelope(message)) return this.onControl(message);
    let env: ClusterEnvelope;
    try {
      env = decodeEnvelope(message);
    } catch (err) {
      this.counters.invalid++;
      this.logger.warn(`[stelar:cluster] ${msg(err)}`);
      return;
    }
    if (env.type === EnvelopeType.Delivery) {
      this.counters.received++;
      try {
        this.onDelivery?.(env.delivery);
      } catch (err) {
        this.logger.error(`[stelar:cluster] delivery handler threw: ${msg(err)}`);
      }
    } else if (env.type === EnvelopeType.Query) {
      this.answerQuery(env);
    } else {
      this.queries.answer(env.id, env.origin, env.value);
    }
  };

  private onControl(message: Buffer): void {
    const cmd = decodeControl(message);
    if (cmd === null) {
      this.counters.invalid++;
      return;
    }
    try {
      if (this.state?.disconnectLocal?.(cmd.clientId, cmd.code, cmd.reason)) {
        this.logger.info(
          { component: 'cluster', clientId: cmd.clientId, code: cmd.code, reason: cmd.reason, fromNode: cmd.origin },
          'client disconnected on request of another node',
        );
      }
    } catch (err) {
      this.logger.error({ err, component: 'cluster' }, '[stelar:cluster] disconnect handler threw');
    }
  }

  private readonly beat = (): void => {
    if (this.phase !== RUNNING || this.pub!.status !== 'ready') return;
    this.presence!.announce()
      .then(() => this.liveNodes())
      .catch((err) => this.logger.debug(`[stelar:cluster] heartbeat failed: ${msg(err)}`));
  };

  private readonly onPubReady = (): void => {
    if (this.phase !== RUNNING) return;
    // Redis may have restarted empty: announce at once instead of waiting for the next beat.
    this.beat();
    if (this.pubHealthy) return;
    this.pubHealthy = true;
    this.counters.reconnects++;
    this.logger.info(
      { component: 'cluster', nodeId: this.nodeId, connection: 'pub', droppedDeliveries: this.droppedInOutage },
      `[stelar:cluster] Redis reconnected; ${this.droppedInOutage} cluster deliveries were dropped meanwhile`,
    );
    this.droppedInOutage = 0;
  };

  private readonly onSubReady = (): void => {
    if (this.subHealthy || this.phase !== RUNNING) return;
    this.subHealthy = true;
    this.counters.reconnects++;
    this.logger.info(
      { component: 'cluster', nodeId: this.nodeId, connection: 'sub' },
      '[stelar:cluster] Redis subscriber reconnected and resubscribed',
    );
  };

  /** 'error' (with an Error) or 'reconnecting' (with the delay): log once per outage. */
  private readonly onPubDown = (why: unknown): void => {
    if (!this.pubHealthy || this.phase !== RUNNING) return;
    this.pubHealthy = false;
    this.logger.warn(
      { component: 'cluster', nodeId: this.nodeId, connection: 'pub', ...outage(why) },
      `[stelar:cluster] Redis connection lost (${reason(why)}); local delivery continues, ` +
        'cluster deliveries are dropped until it reconnects',
    );
  };

  private readonly onSubDown = (why: unknown): void => {
    if (!this.subHealthy || this.phase !== RUNNING) return;
    this.subHealthy = false;
    this.logger.warn(
      { component: 'cluster', nodeId: this.nodeId, connection: 'sub', ...outage(why) },
      `[stelar:cluster] Redis subscriber connection lost (${reason(why)})`,
    );
  };

  private readonly onPublishError = (err: unknown): void => {
    this.counters.published--;
    this.drop(msg(err));
  };

  private readonly onReplyError = (err: unknown): void => {
    this.logger.debug(`[stelar:cluster] could not send a query reply: ${msg(err)}`);
  };

  private drop(reason: string): void {
    this.counters.dropped++;
    if (this.droppedInOutage++ === 0) {
      this.logger.warn({ component: 'cluster', nodeId: this.nodeId, reason }, `[stelar:cluster] dropping cluster deliveries: ${reason}`);
    }
    this.pubHealthy = false;
  }

  // ---- connections ---------------------------------------------------------------------------

  private async teardown(): Promise<void> {
    const clients = [this.pub, this.sub];
    this.pub = this.sub = undefined;
    await Promise.all(
      clients.map((c) => (c === undefined ? undefined : closeClient(c, this.clock))),
    );
  }

}

const EMPTY_STATE: ClusterStateProvider = {
  localRooms: () => [],
  localRoomMembers: () => [],
  localClients: () => [],
  localStats: () => ({}),
};

const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isTrue = (v: unknown): boolean => v === true;
const anyTrue = (l: boolean[]): boolean => l.some(isTrue);

/** The fields of an outage line: the Error as `err`, or the reconnect delay. */
function outage(why: unknown): Record<string, unknown> {
  return typeof why === 'number' ? { reconnectInMs: why } : why instanceof Error ? { err: why } : { reason: String(why) };
}

function reason(why: unknown): string {
  return typeof why === 'number' ? `reconnecting in ${why} ms` : msg(why);
}

function msg(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
