/**
 * The cluster-wide queries of the bus (rooms, room members, clients, per-node stats): each one
 * validates its argument, takes this node's own answer from the local state and lets the runner
 * (cluster-query.runner.ts) ask the other live nodes and merge. Also routes the query traffic
 * that arrives: answers other nodes' queries and hands replies to the runner.
 */
import type { ClusterQueryResult, ClusterStateProvider } from '../../ports/cluster-bus.port';
import type { ClusterEnvelope } from './cluster-envelope.codec';
import { QueryKind } from './cluster-envelope.codec';
import { type ClusterClientInfo, isClientList, isStatsRecord, isStringArray, mergeClientLists, mergeStringLists } from './cluster-query.merge';
import { ClusterQueryRunner, type QueryRunnerDeps } from './cluster-query.runner';

/** What the query service needs from the bus, beyond the runner's needs. */
export interface QueryServiceDeps extends QueryRunnerDeps {
  /** This node's state while started (undefined before start() and after stop()). */
  state(): ClusterStateProvider | undefined;
  /** True when a reply can be sent now (publisher connected). */
  canReply(): boolean;
}

export class ClusterQueryService {
  private readonly runner: ClusterQueryRunner;

  constructor(private readonly d: QueryServiceDeps) {
    this.runner = new ClusterQueryRunner(d);
  }

  /** Cluster queries some live node did not answer in time (the result was partial). */
  get timeouts(): number {
    return this.runner.timeouts;
  }

  /** Every room that has a member on some node. */
  rooms(): Promise<ClusterQueryResult<string[]>> {
    return this.runner.run(QueryKind.Rooms, undefined, this.local().localRooms(), isStringArray, mergeStringLists);
  }

  /** Members of `room` across the cluster. */
  roomMembers(room: string): Promise<ClusterQueryResult<string[]>> {
    if (typeof room !== 'string') throw new TypeError('room must be a string');
    const local = this.local().localRoomMembers(room);
    return this.runner.run(QueryKind.RoomMembers, room, local, isStringArray, mergeStringLists);
  }

  /** Clients across the cluster (optionally only those in `room`). */
  clients(room?: string): Promise<ClusterQueryResult<ClusterClientInfo[]>> {
    if (room !== undefined && typeof room !== 'string') throw new TypeError('room must be a string');
    const local = this.local().localClients(room);
    return this.runner.run(QueryKind.Clients, room, local, isClientList, mergeClientLists);
  }

  /** Per-node stats, this node first; `nodeIds` says which node each entry came from. */
  stats(): Promise<ClusterQueryResult<Record<string, number>[]>> {
    return this.runner.run(QueryKind.Stats, undefined, this.local().localStats(), isStatsRecord, (l) => l);
  }

  /** Another node's query arrived: answered from the local state when a reply can be sent. */
  answer(env: Extract<ClusterEnvelope, { type: 2 }>): void {
    const state = this.d.state();
    if (state !== undefined && this.d.canReply()) this.runner.answer(state, env);
  }

  /** A reply to one of our queries arrived. */
  reply(env: Extract<ClusterEnvelope, { type: 3 }>): void {
    this.runner.reply(env);
  }

  /** The bus listed the live nodes (this one included). */
  noteLive(live: readonly string[], self: string): void {
    this.runner.noteLive(live, self);
  }

  /** Settles every open query with what has arrived (stop()). */
  settleAll(): void {
    this.runner.settleAll();
  }

  /** This node's state; empty before start() and after stop() (like the in-memory bus). */
  private local(): ClusterStateProvider {
    return this.d.state() ?? EMPTY_STATE;
  }
}

const EMPTY_STATE: ClusterStateProvider = {
  localRooms: () => [],
  localRoomMembers: () => [],
  localClients: () => [],
  localStats: () => ({}),
};
