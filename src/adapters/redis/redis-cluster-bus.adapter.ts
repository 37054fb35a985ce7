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
 * The parts live beside this file, one concern each: inbound routing
 * (cluster-inbound.dispatcher.ts), queries (cluster-query.service.ts), presence and heartbeat
 * (node-liveness.monitor.ts), stall probes (subscriber-probe.watchdog.ts), link outages and
 * reconnects (redis-link.health.ts); this file wires them and owns start/stop.
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
import type { Clock } from '../../ports/clock.port';
import type { Logger } from '../../ports/logger.port';
import { BusChannels } from './bus-channels';
import { ClientDirectory } from './client-directory';
import { encodeDelivery } from './cluster-envelope.codec';
import { encodeDisconnect } from './cluster-control.codec';
import { ClusterInboundDispatcher } from './cluster-inbound.dispatcher';
import type { ClusterClientInfo } from './cluster-query.merge';
import { ClusterQueryService } from './cluster-query.service';
import { DeliveryGapTracker } from './delivery-gap.tracker';
import { type RequireLike, loadIoredis, loadIoredisCluster } from './ioredis.loader';
import { NodeLivenessMonitor } from './node-liveness.monitor';
import { type OutboundCounters, OutboundPipeline } from './outbound-pipeline';
import { type RedisClusterBusOptions, type RedisTarget, type ResolvedClusterBusOptions, isNodeList, resolveClusterBusOptions } from './redis-cluster-bus.options';
import { closeClient, describeRedisTarget, settleWithin } from './redis-client.util';
import { RedisLinkHealth } from './redis-link.health';
import { RedisLinks } from './redis-links';
import { RoomSubscriptions, type SubscriptionCounters } from './room-subscriptions';
import { SubscriberProbeWatchdog } from './subscriber-probe.watchdog';

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
  private readonly subs: RoomSubscriptions;
  private readonly directory: ClientDirectory;
  private readonly queries: ClusterQueryService;
  private readonly liveness: NodeLivenessMonitor;
  private readonly probe: SubscriberProbeWatchdog;
  private readonly health: RedisLinkHealth;
  private readonly inbound: ClusterInboundDispatcher;
  private readonly gaps = new DeliveryGapTracker();
  private out: OutboundPipeline | undefined;

  private phase = IDLE;
  private links: RedisLinks | undefined;
  private onDelivery: ClusterDeliveryHandler | undefined;
  private state: ClusterStateProvider | undefined;
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
    const logger = (this.logger = o.logger);
    const clock = (this.clock = o.clock);
    this.channels = new BusChannels(o.prefix);
    const nodeChannel = this.channels.node(o.nodeId);
    const subLink = {
      subscribe: (chs: string[]) => this.links!.subscribe(chs),
      unsubscribe: (chs: string[]) => this.links!.unsubscribe(chs),
      isUp: () => this.links?.sub.status === 'ready',
    };
    this.subs = new RoomSubscriptions(subLink, (r) => this.channels.room(r), clock, o.subscribeWaitMs, logger);
    this.directory = new ClientDirectory(() => this.links?.pub, this.channels, o.nodeId, logger);
    const ready = () => this.phase === RUNNING && this.links?.pub.status === 'ready';
    this.queries = new ClusterQueryService({
      nodeId: o.nodeId,
      clock,
      logger,
      timeoutMs: o.queryTimeoutMs,
      ready,
      liveNodes: () => this.liveNodes(),
      publishQuery: (buf) => this.links!.publish(this.channels.all, buf),
      publishReply: (origin, buf) => this.links!.publish(this.channels.node(origin), buf),
      state: () => this.state,
      canReply: () => this.links?.pub.status === 'ready',
    });
    this.liveness = new NodeLivenessMonitor({
      nodeId: o.nodeId,
      prefix: o.prefix,
      nodeTtlMs: o.nodeTtlMs,
      heartbeatMs: o.heartbeatMs,
      listTimeoutMs: o.queryTimeoutMs,
      clock,
      logger,
      directory: this.directory,
      gaps: this.gaps,
      ready,
      noteLive: (live) => this.queries.noteLive(live, this.nodeId),
    });
    this.probe = new SubscriberProbeWatchdog({
      nodeId: o.nodeId,
      nodeChannel,
      stallTimeoutMs: o.stallTimeoutMs,
      clock,
      logger,
      links: () => (this.phase === RUNNING ? this.links : undefined),
      checkPublisher: () => this.out!.checkStall(),
    });
    this.health = new RedisLinkHealth({
      nodeId: o.nodeId,
      logger,
      running: () => this.phase === RUNNING,
      onPubBack: () => this.onPubBack(),
      onSubBack: () => this.subs.resync(),
    });
    this.inbound = new ClusterInboundDispatcher({
      nodeIdBytes: Buffer.from(o.nodeId, 'utf8'),
      logger,
      gaps: this.gaps,
      queries: this.queries,
      probe: this.probe,
      state: () => this.state,
      deliver: (d) => this.onDelivery?.(d),
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
      received: this.inbound.received,
      invalid: this.inbound.invalid,
      subscriberStalls: this.probe.subscriberStalls,
      directoryPurged: this.liveness.directoryPurged,
      reconnects: this.health.reconnects,
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
      { maxQueued: o.outboundQueueMax, maxBytes: o.outboundQueueBytes, maxAgeMs: o.outboundMaxAgeMs, maxInFlight: o.maxInFlight, stallTimeoutMs: o.stallTimeoutMs,
        // One Redis keeps a publisher's order across channels (docs/CLUSTER.md); a Redis Cluster only per channel.
        batchMax: o.publishBatchMax, batchBytes: o.publishBatchBytes, batchKeepsPublisherOrder: !isNodeList(this.target) },
      this.clock,
      this.directory.lookup,
      this.onPubStall,
      this.health.onDrop,
    );
    this.liveness.attach(pub);
    const h = this.health;
    pub.on('error', h.onPubDown).on('reconnecting', h.onPubDown).on('ready', h.onPubReady);
    sub.on('error', h.onSubDown).on('reconnecting', h.onSubDown).on('ready', h.onSubReady);
    sub.on(links.messageEvent, this.inbound.onMessage);
    try {
      await Promise.all([pub.connect(), sub.connect()]);
      await links.subscribe([this.channels.all, this.channels.node(this.nodeId)]);
      await this.subs.start(state.localRooms());
      await this.liveness.announce();
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
    this.liveness.startHeartbeat();
    this.probe.start();
    this.liveness.beat();
  }

  /** Withdraws this node from presence, settles open queries and closes both connections. */
  async stop(): Promise<void> {
    // Stopping while starting: let start() finish (or fail), then stop what it started.
    if (this.phase === STARTING) await this.starting?.catch(() => {});
    if (this.phase !== RUNNING) return;
    this.phase = STOPPING;
    this.liveness.stopHeartbeat();
    this.probe.stop();
    this.queries.settleAll();
    this.subs.stop();
    this.out?.stop();
    this.gaps.clear();
    if (this.links?.pub.status === 'ready') {
      const local = this.state === undefined ? [] : localClientIds(this.state);
      await settleWithin(Promise.all([this.liveness.withdraw(), this.directory.withdraw(local)]), 1000, this.clock).catch(
        () => {},
      );
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
      this.health.onDrop('Redis is not connected');
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
    return node !== null && (await this.liveness.isAlive(node));
  }

  /** Every room that has a member on some node. */
  rooms(): Promise<ClusterQueryResult<string[]>> {
    return this.queries.rooms();
  }

  /** Members of `room` across the cluster. */
  roomMembers(room: string): Promise<ClusterQueryResult<string[]>> {
    return this.queries.roomMembers(room);
  }

  /** Clients across the cluster (optionally only those in `room`). */
  clients(room?: string): Promise<ClusterQueryResult<ClusterClientInfo[]>> {
    return this.queries.clients(room);
  }

  /** Per-node stats, this node first; `nodeIds` says which node each entry came from. */
  stats(): Promise<ClusterQueryResult<Record<string, number>[]>> {
    return this.queries.stats();
  }

  /** Ids of the live nodes (this one included), pruning expired ones and purging their clients. */
  liveNodes(): Promise<string[]> {
    return this.liveness.liveNodes();
  }

  /** The publisher is ready again: Redis may have restarted empty or failed over. */
  private onPubBack(): void {
    // Announce and re-register at once, then send what was held.
    this.liveness.beat();
    if (this.state !== undefined) {
      this.directory.resync(localClientIds(this.state)).catch((err) =>
        this.logger.debug(`[stelar:cluster] directory resync failed: ${msg(err)}`),
      );
    }
    this.out?.drain();
  }

  private readonly onPubStall = (): void => {
    this.logger.warn('[stelar:cluster] Redis publisher stalled (no replies); reconnecting it');
    this.links?.pub.disconnect(true);
  };

  private async teardown(): Promise<void> {
    const links = this.links;
    this.links = undefined;
    if (links === undefined) return;
    await Promise.all([closeClient(links.pub, this.clock), closeClient(links.sub, this.clock)]);
  }
}

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

function msg(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
