/**
 * This node's membership of the cluster: the heartbeat that keeps its presence key alive
 * (node-presence.tracker.ts), the live-node listing (which prunes expired nodes), and the purge
 * of a dead node's state here (its directory entries, its delivery sequence numbers).
 */
import type { Clock, TimerHandle } from '../../ports/clock.port';
import type { Logger } from '../../ports/logger.port';
import type { ClientDirectory } from './client-directory';
import type { DeliveryGapTracker } from './delivery-gap.tracker';
import type { RedisClientLike } from './ioredis.loader';
import { NodePresenceTracker } from './node-presence.tracker';
import { settleWithin } from './redis-client.util';

/** What the monitor needs from the bus. */
export interface LivenessDeps {
  readonly nodeId: string;
  readonly prefix: string;
  readonly nodeTtlMs: number;
  readonly heartbeatMs: number;
  /** Bound on one live-node listing (the query timeout). */
  readonly listTimeoutMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly directory: ClientDirectory;
  readonly gaps: DeliveryGapTracker;
  /** True while the bus runs and its publisher is connected. */
  ready(): boolean;
  /** Told of every listing (this node included), e.g. to remember the peer count. */
  noteLive(live: string[]): void;
}

export class NodeLivenessMonitor {
  /** Directory entries of dead nodes purged by this node. */
  directoryPurged = 0;
  private presence: NodePresenceTracker | undefined;
  private heartbeat: TimerHandle | undefined;

  constructor(private readonly d: LivenessDeps) {}

  /** Binds the presence keys to the publisher connection (start(), before announce()). */
  attach(pub: RedisClientLike): void {
    this.presence = new NodePresenceTracker(pub, this.d.prefix, this.d.nodeId, this.d.nodeTtlMs);
  }

  /** Refreshes this node's presence once. */
  announce(): Promise<void> {
    return this.presence!.announce();
  }

  /** Starts the heartbeat timer (the caller beats once at once). */
  startHeartbeat(): void {
    this.heartbeat = this.d.clock.setInterval(this.beat, this.d.heartbeatMs);
  }

  /** Stops the heartbeat timer. */
  stopHeartbeat(): void {
    if (this.heartbeat !== undefined) this.d.clock.clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  /** Removes this node from presence (clean shutdown). */
  withdraw(): Promise<void> {
    return this.presence!.withdraw();
  }

  /** Ids of the live nodes (this one included), pruning expired ones and purging their clients. */
  async liveNodes(): Promise<string[]> {
    if (!this.d.ready()) return [this.d.nodeId];
    const live = await settleWithin(this.presence!.liveNodes(this.onDeadNodes), this.d.listTimeoutMs, this.d.clock);
    this.d.noteLive(live);
    return live;
  }

  /** True when node `id`'s heartbeat key is alive. */
  isAlive(id: string): Promise<boolean> {
    return this.presence!.isAlive(id);
  }

  /** One heartbeat: announce, then list (which prunes the dead). Also run when Redis came back. */
  readonly beat = (): void => {
    if (!this.d.ready()) return;
    this.presence!.announce()
      .then(() => this.liveNodes())
      .catch((err) => this.d.logger.debug(`[stelar:cluster] heartbeat failed: ${msg(err)}`));
  };

  private readonly onDeadNodes = (dead: string[]): void => {
    for (const id of dead) {
      this.d.gaps.forgetOrigin(id);
      this.d.directory
        .purgeNode(id)
        .then((n) => (this.directoryPurged += n))
        .catch((err) => this.d.logger.debug(`[stelar:cluster] purging node ${id} failed: ${msg(err)}`));
    }
  };
}

function msg(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
