// An in-memory stand-in for ioredis (the RedisClientLike subset the bus uses), driven by a
// ManualClock: key TTLs, pub/sub fan-out and outages are deterministic, no network, no sleeps.
import { EventEmitter } from 'node:events';
import type { RedisClientLike, RedisPipelineLike } from '../../../src/adapters/redis/ioredis.loader';
import type { ManualClock } from './manual-clock';

/** One fake Redis server shared by every FakeRedis client created from it. */
export class FakeRedisBroker {
  readonly clients = new Set<FakeRedis>();
  readonly strings = new Map<string, { value: string; expiresAt: number }>();
  readonly sets = new Map<string, { members: Set<string>; expiresAt: number }>();
  up = true;
  published = 0;
  /** Every (un)subscribe command, in order: [command, ...channels]. */
  readonly commands: string[][] = [];

  constructor(readonly clock: ManualClock) {}

  /** The `requireFn` to pass to RedisClusterBus: returns an ioredis-shaped constructor. */
  readonly requireFn = (): unknown => {
    const broker = this;
    return class extends FakeRedis {
      constructor(a: unknown, b?: unknown) {
        super(broker, (typeof a === 'string' ? b : a) as Record<string, unknown>);
      }
    };
  };

  /** Redis goes away: every connected client errors and starts "reconnecting". */
  goDown(): void {
    this.up = false;
    for (const c of this.clients) c.lose();
  }

  /** Redis is back; with `empty`, it restarted without data (no persistence). */
  comeBack(empty: boolean): void {
    this.up = true;
    if (empty) {
      this.strings.clear();
      this.sets.clear();
    }
    // Every connection is back before any of them reports 'ready' (as if all reconnected at once).
    const back = [...this.clients].filter((c) => c.status === 'reconnecting');
    for (const c of back) c.status = 'ready';
    for (const c of back) c.emit('ready');
  }

  alive(key: string): boolean {
    const e = this.strings.get(key);
    if (e && e.expiresAt <= this.clock.now()) this.strings.delete(key);
    return this.strings.has(key);
  }

  set(key: string): Set<string> {
    const e = this.sets.get(key);
    if (e && e.expiresAt <= this.clock.now()) this.sets.delete(key);
    let s = this.sets.get(key);
    if (!s) this.sets.set(key, (s = { members: new Set(), expiresAt: Infinity }));
    return s.members;
  }
}

/** A fake connection. Deliveries are asynchronous (microtasks), like a real socket. */
export class FakeRedis extends EventEmitter implements RedisClientLike {
  status = 'wait';
  readonly channels = new Set<string>();
  readonly schannels = new Set<string>();

  constructor(
    private readonly broker: FakeRedisBroker,
    readonly options: Record<string, unknown>,
  ) {
    super();
    broker.clients.add(this);
  }

  async connect(): Promise<void> {
    if (!this.broker.up) {
      this.status = 'reconnecting';
      throw new Error('connect ECONNREFUSED');
    }
    this.status = 'ready';
    this.emit('ready');
  }
  async quit(): Promise<unknown> {
    this.end();
    return 'OK';
  }
  disconnect(): void {
    this.end();
  }
  async publish(channel: string | Buffer, message: string | Buffer): Promise<number> {
    return this.deliver(channel, message, 'channels', 'messageBuffer');
  }
  async spublish(channel: string | Buffer, message: string | Buffer): Promise<number> {
    return this.deliver(channel, message, 'schannels', 'smessageBuffer');
  }
  /** PUBLISH / SPUBLISH: to every ready client subscribed (classic or sharded), on a microtask. */
  private deliver(channel: string | Buffer, message: string | Buffer, set: 'channels' | 'schannels', event: string): number {
    this.mustBeReady();
    this.broker.published++;
    const ch = channel.toString();
    const msg = Buffer.from(message);
    let n = 0;
    for (const c of this.broker.clients) {
      if (c.status !== 'ready' || !c[set].has(ch)) continue;
      n++;
      void Promise.resolve().then(() => c.emit(event, Buffer.from(ch), msg));
    }
    return n;
  }
  async subscribe(...channels: (string | Buffer)[]): Promise<unknown> {
    this.mustBeReady();
    this.broker.commands.push(['subscribe', ...channels.map(String)]);
    for (const ch of channels) this.channels.add(ch.toString());
    return this.channels.size;
  }
  async unsubscribe(...channels: (string | Buffer)[]): Promise<unknown> {
    this.mustBeReady();
    this.broker.commands.push(['unsubscribe', ...channels.map(String)]);
    for (const ch of channels) this.channels.delete(ch.toString());
    return this.channels.size;
  }
  async ssubscribe(...channels: (string | Buffer)[]): Promise<unknown> {
    this.mustBeReady();
    this.broker.commands.push(['ssubscribe', ...channels.map(String)]);
    for (const ch of channels) this.schannels.add(ch.toString());
    return this.schannels.size;
  }
  async sunsubscribe(...channels: (string | Buffer)[]): Promise<unknown> {
    this.mustBeReady();
    this.broker.commands.push(['sunsubscribe', ...channels.map(String)]);
    for (const ch of channels) this.schannels.delete(ch.toString());
    return this.schannels.size;
  }
  async get(key: string): Promise<string | null> {
    this.mustBeReady();
    return this.broker.alive(key) ? this.broker.strings.get(key)!.value : null;
  }
  async exists(key: string): Promise<number> {
    this.mustBeReady();
    return this.broker.alive(key) ? 1 : 0;
  }
  async set(key: string, value: string): Promise<unknown> {
    this.mustBeReady();
    this.broker.strings.set(key, { value, expiresAt: Infinity });
    return 'OK';
  }
  async sadd(key: string, ...members: string[]): Promise<number> {
    this.mustBeReady();
    const s = this.broker.set(key);
    const before = s.size;
    for (const m of members) s.add(m);
    return s.size - before;
  }
  async srem(key: string, ...members: string[]): Promise<number> {
    this.mustBeReady();
    let n = 0;
    for (const m of members) if (this.broker.set(key).delete(m)) n++;
    return n;
  }
  async del(key: string): Promise<number> {
    this.mustBeReady();
    const n = (this.broker.strings.delete(key) ? 1 : 0) + (this.broker.sets.delete(key) ? 1 : 0);
    return n;
  }
  /** Only the directory's compare-and-delete script is understood. */
  async eval(script: string, _numKeys: number, key: string, owner: string): Promise<unknown> {
    this.mustBeReady();
    if (!script.includes("'del'")) throw new Error('fake Redis: unknown script');
    if (this.broker.alive(key) && this.broker.strings.get(key)!.value === owner) {
      this.broker.strings.delete(key);
      return 1;
    }
    return 0;
  }
  async smembers(key: string): Promise<string[]> {
    this.mustBeReady();
    return [...this.broker.set(key)];
  }
  pipeline(): RedisPipelineLike {
    return new FakePipeline(this, this.broker);
  }

  /** Simulated outage: error + reconnecting (subscriptions are kept, like autoResubscribe). */
  lose(): void {
    if (this.status !== 'ready') return;
    this.status = 'reconnecting';
    this.emit('error', new Error('read ECONNRESET'));
    this.emit('reconnecting', 100);
  }
  regain(): void {
    if (this.status !== 'reconnecting') return;
    this.status = 'ready';
    this.emit('ready');
  }
  mustBeReady(): void {
    if (this.status !== 'ready') throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
  }
  private end(): void {
    if (this.status === 'end') return;
    this.status = 'end';
    this.channels.clear();
    this.schannels.clear();
    this.broker.clients.delete(this);
    this.emit('end');
  }
}

class FakePipeline implements RedisPipelineLike {
  private readonly ops: (() => unknown)[] = [];
  constructor(
    private readonly client: FakeRedis,
    private readonly b: FakeRedisBroker,
  ) {}
  sadd(key: string, member: string): this {
    this.ops.push(() => this.b.set(key).add(member));
    return this;
  }
  srem(key: string, ...members: string[]): this {
    this.ops.push(() => members.forEach((m) => this.b.set(key).delete(m)));
    return this;
  }
  set(key: string, value: string, _px: 'PX', ms: number): this {
    this.ops.push(() => this.b.strings.set(key, { value, expiresAt: this.b.clock.now() + ms }));
    return this;
  }
  del(key: string): this {
    this.ops.push(() => this.b.strings.delete(key));
    return this;
  }
  exists(key: string): this {
    this.ops.push(() => (this.b.alive(key) ? 1 : 0));
    return this;
  }
  pexpire(key: string, ms: number): this {
    this.ops.push(() => {
      this.b.set(key);
      this.b.sets.get(key)!.expiresAt = this.b.clock.now() + ms;
    });
    return this;
  }
  async exec(): Promise<[Error | null, unknown][] | null> {
    this.client.mustBeReady();
    return this.ops.map((op) => [null, op()]);
  }
}

/**
 * Lets queued microtasks (fake deliveries, promise chains) run, after one event-loop turn (the
 * outbound pipeline publishes its batches at the end of the turn).
 */
export async function settle(rounds = 20): Promise<void> {
  await new Promise((r) => setImmediate(r));
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
