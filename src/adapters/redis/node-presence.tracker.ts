/**
 * Node presence in Redis: each node keeps a heartbeat key `{<prefix>}:node:<id>` alive with a TTL
 * and is listed in the set `{<prefix>}:nodes` (one hash tag: on a Redis Cluster all presence keys
 * share a slot, so the pipelines below stay on one shard). A node that dies stops refreshing its key, so it
 * drops out of presence once the TTL expires; whoever lists the nodes next prunes the set.
 * Using Redis key expiry (not timestamps) keeps presence independent of clock skew between hosts.
 */
import type { RedisClientLike } from './ioredis.loader';

/** Keeps one node's heartbeat and lists the live nodes. */
export class NodePresenceTracker {
  private readonly setKey: string;
  private readonly keyPrefix: string;
  private readonly selfKey: string;
  private readonly info: string;

  constructor(
    private readonly redis: RedisClientLike,
    prefix: string,
    private readonly nodeId: string,
    private readonly ttlMs: number,
  ) {
    this.setKey = `{${prefix}}:nodes`;
    this.keyPrefix = `{${prefix}}:node:`;
    this.selfKey = this.keyPrefix + nodeId;
    this.info = JSON.stringify({ pid: process.pid, since: Date.now() });
  }

  /** Refreshes this node's heartbeat key (TTL `ttlMs`) and set membership. */
  async announce(): Promise<void> {
    const res = await this.redis
      .pipeline()
      .sadd(this.setKey, this.nodeId)
      .set(this.selfKey, this.info, 'PX', this.ttlMs)
      // The set itself expires when every node is gone (nobody refreshes it any more).
      .pexpire(this.setKey, this.ttlMs)
      .exec();
    throwFirstError(res);
  }

  /** Removes this node from presence (clean shutdown: others stop waiting for it at once). */
  async withdraw(): Promise<void> {
    const res = await this.redis.pipeline().srem(this.setKey, this.nodeId).del(this.selfKey).exec();
    throwFirstError(res);
  }

  /**
   * Lists the nodes whose heartbeat key is alive (this node included when announced), and
   * removes expired ones from the set.
   */
  async liveNodes(onDead?: (deadIds: string[]) => void): Promise<string[]> {
    const members = await this.redis.smembers(this.setKey);
    if (members.length === 0) return [];
    const p = this.redis.pipeline();
    for (const id of members) p.exists(this.keyPrefix + id);
    const res = await p.exec();
    throwFirstError(res);
    const live: string[] = [];
    const dead: string[] = [];
    for (let i = 0; i < members.length; i++) {
      if (Number(res![i][1]) === 1) live.push(members[i]);
      else dead.push(members[i]);
    }
    // Best effort: a node that re-announced in between simply re-adds itself on its next beat.
    if (dead.length > 0) {
      await this.redis.pipeline().srem(this.setKey, ...dead).exec();
      onDead?.(dead);
    }
    return live;
  }

  /** True when node `id`'s heartbeat key is alive. */
  async isAlive(id: string): Promise<boolean> {
    return (await this.redis.exists(this.keyPrefix + id)) === 1;
  }
}

function throwFirstError(res: [Error | null, unknown][] | null): void {
  if (res === null) throw new Error('Redis transaction aborted');
  for (const [err] of res) if (err) throw err;
}
