// OutboundPipeline with a hand-written link and directory: the fast path, the bounded queue and
// its drop-oldest policy, the age limit, order behind direct sends, the in-flight cap, stall
// detection, sequence numbers, and that every delivery ends up in exactly one counter.
import { OutboundPipeline, type PublishLink } from '../../../src/adapters/redis/outbound-pipeline';
import { decodeEnvelope, encodeDelivery } from '../../../src/adapters/redis/cluster-envelope.codec';
import { ManualClock } from './manual-clock';

class ManualPublishLink implements PublishLink {
  up = true;
  readonly sent: { channel: string; payload: Buffer; ack: (n?: number) => void; fail: () => void }[] = [];
  isUp(): boolean {
    return this.up;
  }
  publish(channel: string, payload: Buffer): Promise<number> {
    return new Promise((resolve, reject) =>
      this.sent.push({ channel, payload, ack: (n = 1) => resolve(n), fail: () => reject(new Error('Connection is closed.')) }),
    );
  }
  ackAll(n = 1): void {
    for (const s of this.sent.splice(0)) s.ack(n);
  }
}

const tick = () => new Promise((r) => setImmediate(r));
const msg = (i: number) => encodeDelivery('me', { target: { kind: 'all' }, event: 'e', data: i });
const dataOf = (b: Buffer) => {
  const env = decodeEnvelope(b);
  return env.type === 1 ? env.delivery.data : undefined;
};

describe('OutboundPipeline', () => {
  let clock: ManualClock;
  let link: ManualPublishLink;
  let lookups: Map<string, { resolve: (ch: string | null) => void }>;
  let stalls: number;
  let drops: string[];
  let out: OutboundPipeline;
  const make = (limits: Partial<ConstructorParameters<typeof OutboundPipeline>[1]> = {}) =>
    new OutboundPipeline(
      link,
      { maxQueued: 5, maxBytes: 1 << 20, maxAgeMs: 1000, maxInFlight: 3, stallTimeoutMs: 500, ...limits },
      clock,
      (id) => new Promise((resolve) => lookups.set(id, { resolve })),
      () => stalls++,
      (why) => drops.push(why),
    );
  const total = () => {
    const c = out.counters;
    return c.published + c.dropped + c.undeliverable + c.queued + c.inFlight;
  };

  beforeEach(() => {
    clock = new ManualClock();
    link = new ManualPublishLink();
    lookups = new Map();
    stalls = 0;
    drops = [];
    out = make();
  });

  it('publishes at once while Redis is up, numbering deliveries per channel', async () => {
    out.send('ch:a', msg(1));
    out.send('ch:b', msg(2));
    out.send('ch:a', msg(3));
    expect(link.sent.map((s) => s.channel)).toEqual(['ch:a', 'ch:b', 'ch:a']);
    expect(link.sent.map((s) => (decodeEnvelope(s.payload) as { seq: number }).seq)).toEqual([1, 1, 2]);
    link.ackAll();
    await tick();
    expect(out.counters).toMatchObject({ published: 3, inFlight: 0, queued: 0 });
  });

  it('holds at most maxQueued while Redis is away, dropping the oldest, and sends the rest in order', async () => {
    link.up = false;
    for (let i = 0; i < 8; i++) out.send('ch', msg(i));
    expect(link.sent).toHaveLength(0);
    expect(out.counters).toMatchObject({ queued: 5, queuedPeak: 5, droppedQueueFull: 3, dropped: 3 });
    expect(drops).toHaveLength(3);
    link.up = true;
    out.drain();
    // In-flight cap 3: three go now, the rest as replies come back.
    expect(link.sent.map((s) => dataOf(s.payload))).toEqual([3, 4, 5]);
    link.ackAll();
    await tick();
    expect(link.sent.map((s) => dataOf(s.payload))).toEqual([6, 7]);
    link.ackAll();
    await tick();
    expect(out.counters).toMatchObject({ published: 5, dropped: 3, queued: 0, inFlight: 0 });
    expect(total()).toBe(8);
  });

  it('bounds the held bytes too', () => {
    out = make({ maxBytes: 2 * msg(0).byteLength });
    link.up = false;
    for (let i = 0; i < 4; i++) out.send('ch', msg(i));
    expect(out.counters).toMatchObject({ queued: 2, droppedQueueFull: 2 });
  });

  it('drops what waited longer than maxAgeMs instead of sending it late', () => {
    link.up = false;
    out.send('ch', msg(1));
    clock.advance(800);
    out.send('ch', msg(2));
    clock.advance(300);
    link.up = true;
    out.drain();
    expect(link.sent.map((s) => dataOf(s.payload))).toEqual([2]);
    expect(out.counters).toMatchObject({ droppedStale: 1, dropped: 1 });
  });

  it('keeps the order behind a direct send that is still looking up its client', async () => {
    out.send('ch:room', msg(1));
    out.sendDirect('c1', msg(2));
    out.send('ch:room', msg(3)); // must not overtake the direct send
    expect(link.sent.map((s) => dataOf(s.payload))).toEqual([1]);
    lookups.get('c1')!.resolve('node:{b}');
    await tick();
    expect(link.sent.map((s) => [s.channel, dataOf(s.payload)])).toEqual([
      ['ch:room', 1],
      ['node:{b}', 2],
      ['ch:room', 3],
    ]);
  });

  it('counts a direct send to an unknown client, or to a node nobody listens on, as undeliverable', async () => {
    out.sendDirect('ghost', msg(1));
    lookups.get('ghost')!.resolve(null);
    await tick();
    out.sendDirect('c-of-dead-node', msg(2));
    lookups.get('c-of-dead-node')!.resolve('node:{dead}');
    await tick();
    link.ackAll(0); // zero receivers
    await tick();
    expect(out.counters).toMatchObject({ undeliverable: 2, published: 0 });
  });

  it('counts a publish Redis did not acknowledge as unconfirmed (never re-sent)', async () => {
    out.send('ch', msg(1));
    link.sent.shift()!.fail();
    await tick();
    expect(out.counters).toMatchObject({ unconfirmed: 1, dropped: 1, inFlight: 0 });
    expect(link.sent).toHaveLength(0);
  });

  it('declares a stall when in-flight publishes get no reply for stallTimeoutMs', () => {
    out.send('ch', msg(1));
    clock.advance(499);
    out.checkStall();
    expect(stalls).toBe(0);
    clock.advance(1);
    out.checkStall();
    expect(stalls).toBe(1);
    out.checkStall(); // once per timeout, not once per check
    expect(stalls).toBe(1);
    expect(out.counters.stalls).toBe(1);
  });

  it('stop() drops what is held (counted) and refuses new deliveries', () => {
    link.up = false;
    out.send('ch', msg(1));
    out.send('ch', msg(2));
    out.stop();
    out.send('ch', msg(3));
    expect(out.counters).toMatchObject({ droppedOnStop: 2, dropped: 2, queued: 0 });
  });
});
