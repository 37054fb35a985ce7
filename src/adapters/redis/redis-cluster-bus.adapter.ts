/**
 * ClusterBus over Redis pub/sub with interest-based routing: several Stelar nodes behind one
 * Redis (or a Redis Cluster, `sharded`) deliver broadcasts, room and client messages across
 * nodes and answer cluster-wide room/client/stats queries.
 *
 * Routing (channel names in bus-channels.ts): a room delivery is published on the room's own
 * channel, which only nodes with members in the room subscribe to (room-subscriptions.ts); a
 * direct send goes to the channel of the node holding the client (client-directory.ts); a
 * broadcast and the queries use one channel every node subscribes to. Every message is a binary
 * envelope (cluster-envelope.codec.ts) carrying its origin node, so a node skips its own.
 * Outbound traffic is bounded and every loss is counted (outbound-pipeline.ts).
 * Guarantees (docs/CLUSTER.md): at-most-once across nodes, ordered per publisher.
 */
import type {
  ClusterBus,
  ClusterDelivery,
  ClusterDeliveryHandler,
  ClusterInterest,
  ClusterQueryResult,
  ClusterStateProvider,
} from '../../ports/cluster-bus.port';
import type { Clock, TimerHandle } from '../../ports/clock.port';
import type { Logger } from '../../ports/logger.port';
import { BusChannels } from './bus-channels';
import { ClientDirectory } from './client-directory';
import {
  type ClusterEnvelope,
  EnvelopeType,
  QueryKind,
  decodeEnvelope,
  encodeDelivery,
  encodeProbe,
  isFromOrigin,
} from './cluster-envelope.codec';
import { type ClusterClientInfo, isClientList, isStatsRecord, isStringArray, mergeClientLists, mergeStringLists } from './cluster-query.merge';
import { ClusterQueryRunner } from './cluster-query.runner';
import { decodeControl, encodeDisconnect, isControlEnvelope } from './cluster-control.codec';
import { DeliveryGapTracker } from './delivery-gap.tracker';
import { type RequireLike, loadIoredis, loadIoredisCluster } from './ioredis.loader';
import { NodePresenceTracker } from './node-presence.tracker';
import { type OutboundCounters, OutboundPipeline } from './outbound-pipeline';
import { type RedisClusterBusOptions, type RedisTarget, type ResolvedClusterBusOptions, isNodeList, resolveClusterBusOptions } from './redis-cluster-bus.options';
import { closeClient, describeRedisTarget, settleWithin } from './redis-client.util';
import { RedisLinks } from './redis-links';
import { RoomSubscriptions, type SubscriptionCounters } from './room-subscriptions';

const IDLE = 0;
const STARTING = 1;
const RUNNING = 2;
const STOPPING = 3;

/** Counters for monitoring and tests (a snapshot; see docs/CLUSTER.md for each field). */
export interface RedisClusterBusCounters extends OutboundCounters, SubscriptionCounters {
  /** Deliveries received from other nodes. */
  received: number;
  /** Malformed envelopes ignored. */
  invalid: number;
  /** Room channels subscribed now. */
  roomsSubscribed: number;
  /** Times the subscriber was declared stalled (its self-probe did not come back). */
  subscriberStalls: number;
  /** Directory entries of dead nodes purged by this node. */
  directoryPurged: number;
  /** Deliveries other nodes handed to Redis that never reached this node (sequence gaps). */
  missed: number;
  /** Cluster queries some live node did not answer in time (the result was partial). */
  queryTimeouts: number;
  /** Times a Redis connection (publisher or subscriber) came back after an outage. */
  reconnects: number;
}

/** The Redis implementation of the {@link ClusterBus} port. */
export class RedisClusterBus implements ClusterBus {
  readonly nodeId: string;
  readonly clustered = true;
  /** What the domain reports to the bus (rooms opened/closed, clients added/removed). */
  readonly interest: ClusterInterest;

  private readonly o: ResolvedClusterBusOptions;
  private readonly target: RedisTarget;
  private readonly requireFn: RequireLike | undefined;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly channels: BusChannels;
  private readonly nodeChannel: string;
  private readonly nodeIdBytes: Buffer;
  private readonly subs: RoomSubscriptions;
  private readonly directory: ClientDirectory;
  private readonly queries: ClusterQueryRunner;
  private readonly gaps = new DeliveryGapTracker();
  private out: OutboundPipeline | undefined;
  private readonly base = { received: 0, invalid: 0, subscriberStalls: 0, directoryPurged: 0, reconnects: 0 };

  private phase = IDLE;
  private links: RedisLinks | undefined;
  private presence: NodePresenceTracker | undefined;
  private onDelivery: ClusterDeliveryHandler | undefined;
  private state: ClusterStateProvider | undefined;
  private heartbeat: TimerHandle | undefined;
  private watchdog: TimerHandle | undefined;
  private pubHealthy = true;
  private subHealthy = true;
  private droppedInOutage = 0;
  private probeSeq = 0;
  /** The self-probe in flight: its id and when it was sent (0: none). */
  private probeId = 0;
  private probeAt = 0;
  private starting: Promise<void> | undefined;

  /**
   * @throws MissingPeerDependencyError when `ioredis` is not installed.
   * @throws TypeError/RangeError on invalid options.
   */
  constructor(options: RedisClusterBusOptions) {
    const o = (this.o = resolveClusterBusOptions(options));
    this.target = options.redis;
    this.requireFn = options.requireFn;
    // Fail fast (constructor) when ioredis is missing, before any connection is made.
    if (isNodeList(this.target)) loadIoredisCluster(this.requireFn);
    else loadIoredis(this.requireFn);
    this.nodeId = o.nodeId;
    this.logger = o.logger;
    this.clock = o.clock;
    this.channels = new BusChannels(o.prefix);
    this.nodeChannel = this.channels.node(o.nodeId);
    this.nodeIdBytes = Buffer.from(o.nodeId, 'utf8');
    const subLink = {
      subscribe: (chs: string[]) => this.links!.subscribe(chs),
      unsubscribe: (chs: string[]) => this.links!.unsubscribe(chs),
      isUp: () => this.links?.sub.status === 'ready',
    };
    this.subs = new RoomSubscriptions(subLink, (r) => this.channels.room(r), this.clock, o.subscribeWaitMs, this.logger);
    this.directory = new ClientDirectory(() => this.links?.pub, this.channels, o.nodeId, this.logger);
    this.queries = new ClusterQueryRunner({
      nodeId: o.nodeId,
      clock: this.clock,
      logger: this.logger,
      timeoutMs: o.queryTimeoutMs,
      ready: () => this.phase === RUNNING && this.links?.pub.status === 'ready',
      liveNodes: () => this.liveNodes(),
      publishQuery: (buf) => this.links!.publish(this.channels.all, buf),
      publishReply: (origin, buf) => this.links!.publish(this.channels.node(origin), buf),
    });
    this.interest = {
      roomOpened: (room) => this.subs.opened(room),
      roomClosed: (room) => {
        this.subs.closed(room);
        this.gaps.forgetChannel(room);
      },
      roomReady: (room) => this.subs.ready(room),
      // Before start() (and while Redis is away) the directory only notes that it must resync.
      clientAdded: (id) => this.directory.add(id),
      clientRemoved: (id) => this.directory.remove(id),
    };
  }

  /** True between a successful start() and stop(). */
  get running(): boolean {
    return this.phase === RUNNING;
  }

  /** Live counters (a snapshot). */
  get counters(): RedisClusterBusCounters {
    return {
      ...this.base,
      ...EMPTY_OUT,
      ...this.out?.counters,
      ...this.subs.counters,
      roomsSubscribed: this.subs.size,
      missed: this.gaps.missed,
      queryTimeouts: this.queries.timeouts,
    };
  }

  /** The counters as flat numbers, for stats and metrics. */
  metrics(): Record<string, number> {
    return { ...this.counters };
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
    const links = (this.links = new RedisLinks(this.target, this.o.sharded, this.requireFn));
    const { pub, sub } = links;
    const o = this.o;
    this.out = new OutboundPipeline(
      { isUp: () => pub.status === 'ready', publish: (c, m) => links.publish(c, m) },
      { maxQueued: o.outboundQueueMax, maxBytes: o.outboundQueueBytes, maxAgeMs: o.outboundMaxAgeMs, maxInFlight: o.maxInFlight, stallTimeoutMs: o.stallTimeoutMs },
      this.clock,
      this.directory.lookup,
      this.onPubStall,
      this.onDrop,
    );
    this.presence = new NodePresenceTracker(pub, o.prefix, this.nodeId, o.nodeTtlMs);
    pub.on('error', this.onPubDown).on('reconnecting', this.onPubDown).on('ready', this.onPubReady);
    sub.on('error', this.onSubDown).on('reconnecting', this.onSubDown).on('ready', this.onSubReady);
    sub.on(links.messageEvent, this.onMessage);
    try {
      await Promise.all([pub.connect(), sub.connect()]);
      await links.subscribe([this.channels.all, this.nodeChannel]);
      await this.subs.start(state.localRooms());
      await this.presence.announce();
      await this.directory.resync(localClientIds(state));
    } catch (err) {
      this.subs.stop();
      this.out.stop();
      await this.teardown();
      this.phase = IDLE;
      throw new Error(`Stelar cluster: cannot use Redis at ${describeRedisTarget(this.target)}: ${msg(err)}`, {
        cause: err,
      });
    }
    this.phase = RUNNING;
    this.heartbeat = this.clock.setInterval(this.beat, o.heartbeatMs);
    this.watchdog = this.clock.setInterval(this.watch, Math.max(50, o.stallTimeoutMs / 3));
    this.beat();
  }

  /** Withdraws this node from presence, settles open queries and closes both connections. */
  async stop(): Promise<void> {
    // Stopping while starting: let start() finish (or fail), then stop what it started.
    if (this.phase === STARTING) await this.starting?.catch(() => {});
    if (this.phase !== RUNNING) return;
    this.phase = STOPPING;
    for (const t of [this.heartbeat, this.watchdog]) if (t !== undefined) this.clock.clearInterval(t);
    this.heartbeat = this.watchdog = undefined;
    this.queries.settleAll();
    this.subs.stop();
    this.out?.stop();
    this.gaps.clear();
    if (this.links?.pub.status === 'ready') {
      const local = this.state === undefined ? [] : localClientIds(this.state);
      await settleWithin(
        Promise.all([this.presence!.withdraw(), this.directory.withdraw(local)]),
        1000,
        this.clock,
      ).catch(() => {});
    }
    await this.teardown();
    this.onDelivery = undefined;
    this.state = undefined;
    this.phase = IDLE;
  }

  /**
   * Sends `delivery` to the nodes that have recipients for it (never echoed back here). Held in
   * the bounded outbound queue while Redis is away; see outbound-pipeline.ts for what is dropped.
   * @throws RangeError/TypeError synchronously for an unencodable delivery.
   */
  publish(delivery: ClusterDelivery): void {
    if (this.phase !== RUNNING) return;
    const envelope = encodeDelivery(this.nodeId, delivery);
    const t = delivery.target;
    if (t.kind === 'room') this.out!.send(this.channels.room(t.room), envelope);
    else if (t.kind === 'client') this.out!.sendDirect(t.clientId, envelope);
    else this.out!.send(this.channels.all, envelope);
  }

  /**
   * Asks the node holding `clientId` to close it (at most once, like deliveries; sent on the
   * broadcast channel, so it needs no directory lookup). That node closes it with `code`/`reason`.
   */
  disconnect(clientId: string, code: number, reason: string): void {
    if (this.phase !== RUNNING) return;
    const envelope = encodeDisconnect(this.nodeId, clientId, code, reason);
    if (this.links?.pub.status !== 'ready') {
      this.onDrop('Redis is not connected');
      return;
    }
    this.links.publish(this.channels.all, envelope).catch((err: unknown) =>
      this.logger.debug(`[stelar:cluster] could not send a disconnect request: ${msg(err)}`),
    );
  }

  /** True when some other live node has `clientId` connected (one directory lookup). */
  async hasRemoteClient(clientId: string): Promise<boolean> {
    if (typeof clientId !== 'string') throw new TypeError('clientId must be a string');
    if (this.phase !== RUNNING || this.links?.pub.status !== 'ready') return false;
    const node = await this.directory.nodeOf(clientId);
    return node !== null && (await this.presence!.isAlive(node));
  }

  /** Every room that has a member on some node. */
  rooms(): Promise<ClusterQueryResult<string[]>> {
    return this.queries.run(QueryKind.Rooms, undefined, this.local().localRooms(), isStringArray, mergeStringLists);
  }

  /** Members of `room` across the cluster. */
  roomMembers(room: string): Promise<ClusterQueryResult<string[]>> {
    if (typeof room !== 'string') throw new TypeError('room must be a string');
    const local = this.local().localRoomMembers(room);
    return this.queries.run(QueryKind.RoomMembers, room, local, isStringArray, mergeStringLists);
  }

  /** Clients across the cluster (optionally only those in `room`). */
  clients(room?: string): Promise<ClusterQueryResult<ClusterClientInfo[]>> {
    if (room !== undefined && typeof room !== 'string') throw new TypeError('room must be a string');
    const local = this.local().localClients(room);
    return this.queries.run(QueryKind.Clients, room, local, isClientList, mergeClientLists);
  }

  /** Per-node stats, this node first; `nodeIds` says which node each entry came from. */
  stats(): Promise<ClusterQueryResult<Record<string, number>[]>> {
    return this.queries.run(QueryKind.Stats, undefined, this.local().localStats(), isStatsRecord, (l) => l);
  }

  /** Ids of the live nodes (this one included), pruning expired ones and purging their clients. */
  async liveNodes(): Promise<string[]> {
    if (this.phase !== RUNNING || this.links?.pub.status !== 'ready') return [this.nodeId];
    const live = await settleWithin(this.presence!.liveNodes(this.onDeadNodes), this.o.queryTimeoutMs, this.clock);
    this.queries.noteLive(live, this.nodeId);
    return live;
  }

  /** This node's state; empty before start() and after stop() (like the in-memory bus). */
  private local(): ClusterStateProvider {
    return this.state ?? EMPTY_STATE;
  }

  // ---- events (bound once: no per-message closures) ------------------------------------------

  private readonly onMessage = (_channel: Buffer, message: Buffer): void => {
    if (message[1] === EnvelopeType.Probe) {
      if (isFromOrigin(message, this.nodeIdBytes) && message.byteLength >= 4) this.onProbe(message);
      return;
    }
    // Our own deliveries and queries come back through the subscription: skip them unparsed.
    if (isFromOrigin(message, this.nodeIdBytes)) return;
    if (isControlEnvelope(message)) return this.onControl(message);
    let env: ClusterEnvelope;
    try {
      env = decodeEnvelope(message);
    } catch (err) {
      this.base.invalid++;
      this.logger.warn(`[stelar:cluster] ${msg(err)}`);
      return;
    }
    if (env.type === EnvelopeType.Delivery) {
      this.base.received++;
      const t = env.delivery.target;
      this.gaps.observe(t.kind === 'room' ? t.room : t.kind === 'all' ? ALL_KEY : DIRECT_KEY, env.origin, env.seq);
      try {
        this.onDelivery?.(env.delivery);
      } catch (err) {
        this.logger.error(`[stelar:cluster] delivery handler threw: ${msg(err)}`);
      }
    } else if (env.type === EnvelopeType.Query) {
      if (this.state !== undefined && this.links?.pub.status === 'ready') this.queries.answer(this.state, env);
    } else if (env.type === EnvelopeType.Reply) {
      this.queries.reply(env);
    }
  };

  private onControl(message: Buffer): void {
    const cmd = decodeControl(message);
    if (cmd === null) {
      this.base.invalid++;
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

  private onProbe(message: Buffer): void {
    const env = safeDecode(message);
    if (env?.type === EnvelopeType.Probe && env.id === this.probeId) this.probeId = 0;
  }

  private readonly beat = (): void => {
    if (this.phase !== RUNNING || this.links?.pub.status !== 'ready') return;
    this.presence!.announce()
      .then(() => this.liveNodes())
      .catch((err) => this.logger.debug(`[stelar:cluster] heartbeat failed: ${msg(err)}`));
  };

  /**
   * Stall detection: publishes without replies (pipeline), and a self-probe through Redis that
   * does not come back within `stallTimeoutMs` (subscriber frozen): the link is reconnected.
   */
  private readonly watch = (): void => {
    if (this.phase !== RUNNING) return;
    this.out!.checkStall();
    const links = this.links!;
    if (links.pub.status !== 'ready' || links.sub.status !== 'ready') {
      this.probeId = 0;
      return;
    }
    const now = this.clock.now();
    if (this.probeId !== 0) {
      if (!(now - this.probeAt >= this.o.stallTimeoutMs)) return;
      this.base.subscriberStalls++;
      this.probeId = 0;
      this.logger.warn('[stelar:cluster] Redis subscriber stalled (self-probe lost); reconnecting it');
      links.sub.disconnect(true);
      return;
    }
    // Armed only once Redis acknowledged the probe: a failed publish is the publisher's
    // problem (counted there), not evidence of a frozen subscriber.
    const id = (++this.probeSeq & 0x7fffffff) || 1;
    this.probeId = id;
    this.probeAt = Number.POSITIVE_INFINITY;
    links.publish(this.nodeChannel, encodeProbe(this.nodeId, id)).then(
      () => {
        if (this.probeId === id) this.probeAt = this.clock.now();
      },
      () => {
        if (this.probeId === id) this.probeId = 0;
      },
    );
  };

  private readonly onPubStall = (): void => {
    this.logger.warn('[stelar:cluster] Redis publisher stalled (no replies); reconnecting it');
    this.links?.pub.disconnect(true);
  };

  private readonly onDeadNodes = (dead: string[]): void => {
    for (const id of dead) {
      this.gaps.forgetOrigin(id);
      this.directory
        .purgeNode(id)
        .then((n) => (this.base.directoryPurged += n))
        .catch((err) => this.logger.debug(`[stelar:cluster] purging node ${id} failed: ${msg(err)}`));
    }
  };

  private readonly onPubReady = (): void => {
    if (this.phase !== RUNNING) return;
    // Redis may have restarted empty or failed over: announce and re-register at once.
    this.beat();
    if (this.state !== undefined) {
      this.directory.resync(localClientIds(this.state)).catch((err) =>
        this.logger.debug(`[stelar:cluster] directory resync failed: ${msg(err)}`),
      );
    }
    this.out?.drain();
    if (this.pubHealthy) return;
    this.pubHealthy = true;
    this.base.reconnects++;
    this.logger.info(
      { component: 'cluster', nodeId: this.nodeId, connection: 'pub', droppedDeliveries: this.droppedInOutage },
      `[stelar:cluster] Redis reconnected; ${this.droppedInOutage} cluster deliveries were lost meanwhile`,
    );
    this.droppedInOutage = 0;
  };

  private readonly onSubReady = (): void => {
    if (this.phase !== RUNNING) return;
    this.subs.resync();
    if (this.subHealthy) return;
    this.subHealthy = true;
    this.base.reconnects++;
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
        'cluster deliveries are held (bounded) until it reconnects',
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

  private readonly onDrop = (why: string): void => {
    if (this.droppedInOutage++ === 0) {
      this.logger.warn({ component: 'cluster', nodeId: this.nodeId, reason: why }, `[stelar:cluster] losing cluster deliveries: ${why}`);
    }
  };

  // ---- connections ---------------------------------------------------------------------------

  private async teardown(): Promise<void> {
    const links = this.links;
    this.links = undefined;
    if (links === undefined) return;
    await Promise.all([closeClient(links.pub, this.clock), closeClient(links.sub, this.clock)]);
  }
}

/** Gap-tracker keys of the broadcast and direct channels (room keys are the room names). */
const ALL_KEY = '\0all';
const DIRECT_KEY = '\0direct';

const EMPTY_STATE: ClusterStateProvider = {
  localRooms: () => [],
  localRoomMembers: () => [],
  localClients: () => [],
  localStats: () => ({}),
};

const EMPTY_OUT: OutboundCounters = new OutboundPipeline(
  { isUp: () => false, publish: () => Promise.resolve(0) },
  { maxQueued: 1, maxBytes: 1, maxAgeMs: 1, maxInFlight: 1, stallTimeoutMs: 1 },
  { now: () => 0, monotonicNow: () => 0, setTimeout: () => 0, setTimeoutWith: () => 0, clearTimeout() {}, setInterval: () => 0, clearInterval() {} },
  async () => null,
  () => {},
  () => {},
).counters;

/** The ids of the clients connected here ([] when the provider fails: the next resync repairs). */
function localClientIds(state: ClusterStateProvider): string[] {
  try {
    return state.localClients().map((c) => c.id);
  } catch {
    return [];
  }
}

function safeDecode(buf: Buffer): ClusterEnvelope | undefined {
  try {
    return decodeEnvelope(buf);
  } catch {
    return undefined;
  }
}

/** The fields of an outage line: the Error as `err`, or the reconnect delay. */
function outage(why: unknown): Record<string, unknown> {
  return typeof why === 'number' ? { reconnectInMs: why } : why instanceof Error ? { err: why } : { reason: String(why) };
}

function reason(why: unknown): string {
  if (why === undefined) return 'reconnecting';
  return typeof why === 'number' ? `reconnecting in ${why} ms` : msg(why);
}

function msg(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
