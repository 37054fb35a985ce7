/**
 * {@link SessionStore} in Redis (cluster mode with `recovery` on): every node reads and writes the
 * same session records, so a client whose node died resumes on another (docs/CLUSTER.md,
 * "Session recovery in a cluster").
 *
 * A record is a hash `<p>:s:{<id>}` = `{ t: token, v: JSON(namespace, streams with their join
 * positions, metadata, suspendedAt) }` with a TTL (PEXPIRE): `windowMs + refreshMs` after the
 * last write while a connection holds it (each node rewrites the sessions it holds every
 * `refreshMs`, picking up metadata changes), and `windowMs + refreshMs` after the drop once
 * suspended. So a session whose node was killed stays resumable for at least `windowMs` after
 * the kill. Writes are compare-and-set on the token (one Lua script): the single-use token holds
 * across nodes, and a node that lost a session to a resume elsewhere never overwrites it. The
 * field `h` names the node holding the session's connection (written on open and resume,
 * removed at the drop): direct messages to the session go there, or into its direct stream
 * while it is away (redis-stream-store.adapter.ts `sendAway`).
 */
import type { Clock, TimerHandle } from '../../ports/clock.port';
import type { SessionStore, StoredSession } from '../../ports/session-store.port';
import type { StreamPosition } from '../../ports/stream-store.port';
import { PENDING_POSITION } from '../../domain/recovery/recovery.service';
import type { RecoveryRedisLink } from './recovery-redis.link';
import { BusChannels } from './bus-channels';
import { encodeSessionTaken } from './cluster-control.codec';

/** Bounds of the session store (the `recovery` option). */
export interface RedisSessionStoreLimits {
  readonly windowMs: number;
  /** How often held sessions are rewritten (default: windowMs / 3, within [1 s, 60 s]). */
  readonly refreshMs?: number;
}

interface Encoded {
  n: string;
  s: [string, number, string][];
  m: [string, unknown][] | null;
  u: number | null;
  /** Client → server recovery: the highest client sequence number processed. */
  p?: number;
}

export class RedisSessionStore implements SessionStore {
  readonly networked = true;
  /** The sessions a connection on this node holds (rewritten every refreshMs). */
  private readonly live = new Map<string, StoredSession>();
  private readonly windowMs: number;
  readonly refreshMs: number;
  private timer: TimerHandle | null = null;
  private readonly channels: BusChannels;
  /** Writes that failed (Redis unreachable or slow): for tests and the logs. */
  failures = 0;

  constructor(
    private readonly link: RecoveryRedisLink,
    limits: RedisSessionStoreLimits,
    private readonly clock: Clock,
    /** This node's id: written as the record's holder (`h`) while a connection here holds the session. */
    private readonly nodeId: string = '',
  ) {
    this.windowMs = limits.windowMs;
    this.channels = new BusChannels(link.prefix);
    this.refreshMs = limits.refreshMs ?? Math.min(60_000, Math.max(1000, Math.floor(limits.windowMs / 3)));
  }

  /** Starts the refresh of held sessions (unref'd timer). */
  start(): void {
    if (this.timer === null) this.timer = this.clock.setInterval(this.refresh, this.refreshMs);
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearInterval(this.timer);
    this.timer = null;
    this.live.clear();
  }

  async get(id: string): Promise<StoredSession | undefined> {
    const key = this.link.sessionKey(id);
    const [token, value, mark] = await this.link.client.hmget(key, 't', 'v', 'p');
    if (token === null || value === null) return undefined;
    const s = this.decode(id, token, value);
    // The processed mark written through before each run (MARK_LUA) may be ahead of the JSON.
    if (s !== undefined && mark !== null && Number(mark) > s.processed) s.processed = Number(mark);
    return s;
  }

  local(id: string): StoredSession | undefined {
    return this.live.get(id);
  }

  set(session: StoredSession, expectedToken?: string): Promise<boolean> {
    if (session.suspendedAt === null) this.live.set(session.id, session);
    else if (this.live.get(session.id) === session) this.live.delete(session.id);
    return this.write(session, expectedToken ?? '');
  }

  async markProcessed(session: StoredSession, seq: number): Promise<boolean> {
    try {
      return (await this.link.run('stelarMark', this.link.sessionKey(session.id), session.token, seq)) === 1;
    } catch (err) {
      this.onFailure(err);
      throw err;
    }
  }

  delete(id: string, expectedToken?: string): void {
    this.live.delete(id);
    this.link.run('stelarDeleteSession', this.link.sessionKey(id), expectedToken ?? '').catch(this.onFailure);
  }

  /** Redis expires records itself (TTL): nothing to sweep here. */
  sweep(): StoredSession[] {
    return [];
  }

  get size(): number {
    return this.live.size;
  }

  private async write(s: StoredSession, expected: string): Promise<boolean> {
    let json: string;
    try {
      json = JSON.stringify(this.encode(s));
    } catch {
      // Metadata that is not JSON (cyclic, BigInt): the session is kept without it.
      json = JSON.stringify({ ...this.encode(s), m: null });
    }
    const now = this.clock.now();
    const ttl = (s.suspendedAt === null ? this.windowMs : Math.max(1, s.suspendedAt + this.windowMs - now)) + this.refreshMs;
    try {
      const holder = s.suspendedAt === null ? this.nodeId : '';
      const prev = await this.link.run('stelarSetSession', this.link.sessionKey(s.id), expected, s.token, json, ttl, holder);
      const ok = prev !== 0;
      // The session moved here from a node that still names itself its holder (its connection
      // looks alive: half-open): that node is told to close it (4001) now, not at its heartbeat timeout.
      if (ok && holder !== '' && typeof prev === 'string' && prev !== '' && prev !== holder) this.tellTaken(prev, s.id);
      // Another node holds it now (resumed there): this one lets go.
      if (!ok && this.live.get(s.id) === s) this.live.delete(s.id);
      return ok;
    } catch (err) {
      this.onFailure(err);
      throw err;
    }
  }

  private tellTaken(node: string, id: string): void {
    this.link.publish(this.channels.node(node), encodeSessionTaken(this.nodeId, id)).catch(this.onFailure);
  }

  private encode(s: StoredSession): Encoded {
    const streams: [string, number, string][] = [];
    for (const [wire, p] of s.streams) streams.push([wire, p.offset, p.epoch]);
    return { n: s.namespace, s: streams, m: s.metadata === null ? null : [...s.metadata], u: s.suspendedAt, p: s.processed };
  }

  private decode(id: string, token: string, value: string): StoredSession | undefined {
    let o: Encoded;
    try {
      o = JSON.parse(value) as Encoded;
    } catch {
      return undefined;
    }
    if (typeof o !== 'object' || o === null || typeof o.n !== 'string' || !Array.isArray(o.s)) return undefined;
    const streams = new Map<string, StreamPosition>();
    for (const e of o.s) {
      if (!Array.isArray(e) || typeof e[0] !== 'string' || typeof e[1] !== 'number' || typeof e[2] !== 'string') return undefined;
      streams.set(e[0], e[1] < 0 ? PENDING_POSITION : { offset: e[1], epoch: e[2] });
    }
    const suspendedAt = typeof o.u === 'number' ? o.u : null;
    return {
      id,
      namespace: o.n,
      token,
      streams,
      metadata: Array.isArray(o.m) ? new Map(o.m) : null,
      suspendedAt,
      expiresAt: suspendedAt === null ? Infinity : suspendedAt + this.windowMs,
      // The answer cache stays on the node that answered (not written to Redis).
      processed: typeof o.p === 'number' ? o.p : 0,
      answers: null,
    };
  }

  private readonly refresh = (): void => {
    for (const s of this.live.values()) this.write(s, s.token).catch(noop);
  };

  private readonly onFailure = (err: unknown): void => {
    this.failures++;
    this.link.noteFailure('session write', err);
  };
}

function noop(): void {}
