/**
 * The cluster-wide client → node directory, so a direct send (`toId`) goes to the one node that
 * holds the client instead of to every node. Each node writes `<p>:c:{clientId}` = its node id
 * when a client is admitted and deletes it (only if still its own) when the client leaves, and
 * lists its clients in `<p>:nc:{nodeId}` so that the entries of a node that died can be purged
 * by whichever node notices the death first. A lookup that finds a dead node's entry before the
 * purge costs one publish nobody receives: counted `undeliverable` by the pipeline.
 *
 * Writes are fire-and-forget single-key commands (they stay valid on a Redis Cluster; the
 * publisher's auto-pipelining batches them). Writes missed while Redis was away are repaired by
 * `resync` once it is back, which also re-creates the entries of a Redis that restarted empty.
 */
import type { Logger } from '../../ports/logger.port';
import type { BusChannels } from './bus-channels';
import type { RedisClientLike } from './ioredis.loader';

/** Deletes KEYS[1] only when it still names ARGV[1] (a client id reused on another node stays). */
const DELETE_IF_OWNER = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

const PURGE_CHUNK = 256;

export class ClientDirectory {
  /** A write failed (Redis away): `resync` must run once it is back. */
  private stale = false;

  constructor(
    private readonly redis: () => RedisClientLike | undefined,
    private readonly channels: BusChannels,
    private readonly nodeId: string,
    private readonly logger: Logger,
  ) {}

  /** True when some writes were missed and `resync` is due. */
  get needsResync(): boolean {
    return this.stale;
  }

  add(clientId: string): void {
    const r = this.ready();
    if (r === undefined) return;
    r.set(this.channels.client(clientId), this.nodeId).catch(this.onWriteError);
    r.sadd(this.channels.nodeClients(this.nodeId), clientId).catch(this.onWriteError);
  }

  remove(clientId: string): void {
    const r = this.ready();
    if (r === undefined) return;
    r.eval(DELETE_IF_OWNER, 1, this.channels.client(clientId), this.nodeId).catch(this.onWriteError);
    r.srem(this.channels.nodeClients(this.nodeId), clientId).catch(this.onWriteError);
  }

  /** The node holding `clientId` (null: none, or this node's own stale entry). */
  async nodeOf(clientId: string): Promise<string | null> {
    const r = this.redis();
    if (r === undefined) return null;
    const node = await r.get(this.channels.client(clientId));
    return node === null || node === this.nodeId ? null : node;
  }

  /** The channel of the node holding `clientId`, or null. */
  lookup = async (clientId: string): Promise<string | null> => {
    const node = await this.nodeOf(clientId);
    return node === null ? null : this.channels.node(node);
  };

  /**
   * Makes Redis agree with `local` (the clients connected here): writes every entry and drops
   * this node's entries for clients that left meanwhile.
   */
  async resync(local: readonly string[]): Promise<void> {
    const r = this.redis();
    if (r === undefined) return;
    this.stale = false;
    const setKey = this.channels.nodeClients(this.nodeId);
    const listed = await r.smembers(setKey);
    const here = new Set(local);
    const gone = listed.filter((id) => !here.has(id));
    for (let i = 0; i < local.length; i += PURGE_CHUNK) {
      const chunk = local.slice(i, i + PURGE_CHUNK);
      await Promise.all(chunk.map((id) => r.set(this.channels.client(id), this.nodeId)));
      await r.sadd(setKey, ...chunk);
    }
    for (let i = 0; i < gone.length; i += PURGE_CHUNK) {
      const chunk = gone.slice(i, i + PURGE_CHUNK);
      await Promise.all(chunk.map((id) => r.eval(DELETE_IF_OWNER, 1, this.channels.client(id), this.nodeId)));
      await r.srem(setKey, ...chunk);
    }
  }

  /** Deletes the entries of node `deadId` (it died without cleaning up); returns how many. */
  async purgeNode(deadId: string): Promise<number> {
    const r = this.redis();
    if (r === undefined) return 0;
    const setKey = this.channels.nodeClients(deadId);
    const ids = await r.smembers(setKey);
    for (let i = 0; i < ids.length; i += PURGE_CHUNK) {
      const chunk = ids.slice(i, i + PURGE_CHUNK);
      await Promise.all(chunk.map((id) => r.eval(DELETE_IF_OWNER, 1, this.channels.client(id), deadId)));
    }
    await r.del(setKey);
    return ids.length;
  }

  /** Withdraws every entry of this node (clean stop). */
  async withdraw(local: readonly string[]): Promise<void> {
    const r = this.redis();
    if (r === undefined) return;
    await Promise.all(local.map((id) => r.eval(DELETE_IF_OWNER, 1, this.channels.client(id), this.nodeId)));
    await r.del(this.channels.nodeClients(this.nodeId));
  }

  private ready(): RedisClientLike | undefined {
    const r = this.redis();
    if (r === undefined || r.status !== 'ready') {
      this.stale = true;
      return undefined;
    }
    return r;
  }

  private readonly onWriteError = (err: unknown): void => {
    if (!this.stale) this.logger.debug(`[stelar:cluster] directory write failed: ${describe(err)}`);
    this.stale = true;
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
