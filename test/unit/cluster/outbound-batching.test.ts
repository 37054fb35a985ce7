// OutboundPipeline with batching on (batchMax > 1): one turn's deliveries to a channel go in one
// batch envelope, bounded by count and bytes; sequence numbers stay per delivery; the publisher's
// order across channels is kept on one Redis; an outage at the end of the turn holds them;
// stop() publishes what is open and leaves no scheduled flush; every delivery is counted once.
import { OutboundPipeline, type OutboundLimits, type PublishLink, type TurnScheduler } from '../../../src/adapters/redis/outbound-pipeline';
import { decodeBatch, isBatchEnvelope } from '../../../src/adapters/redis/cluster-batch.codec';
import { decodeEnvelope, encodeDelivery } from '../../../src/adapters/redis/cluster-envelope.codec';
import { ManualClock } from './manual-clock';

class ManualPublishLink implements PublishLink {
  up = true;
  readonly sent: { channel: string; payload: Buffer; ack: () => void; fail: () => void }[] = [];
  isUp(): boolean {
    return this.up;
  }
  publish(channel: string, payload: Buffer): Promise<number> {
    return new Promise((resolve, reject) =>
      this.sent.push({ channel, payload, ack: () => resolve(1), fail: () => reject(new Error('Connection is closed.')) }),
    );
  }
}

/** End-of-turn flushes run only when the test says the turn ended. */
class ManualTurns implements TurnScheduler {
  pending: (() => void)[] = [];
  cancelled = 0;
  defer(fn: () => void): unknown {
    this.pending.push(fn);
    return fn;
  }
  cancel(h: unknown): void {
    const i = this.pending.indexOf(h as () => void);
    if (i >= 0) {
      this.pending.splice(i, 1);
      this.cancelled++;
    }
  }
  endTurn(): void {
    for (const fn of this.pending.splice(0)) fn();
  }
}

const tick = () => new Promise((r) => setImmediate(r));
const msg = (i: number, pad = 0) => encodeDelivery('me', { target: { kind: 'room', room: 'r' }, event: 'e', data: pad ? 'x'.repeat(pad) : i });
/** [data, seq] of every delivery a publish carried. */
const carried = (b: Buffer): [unknown, number][] =>
  (isBatchEnvelope(b) ? decodeBatch(b) : [decodeEnvelope(b)]).map((e) => (e.type === 1 ? [e.delivery.data, e.seq] : [null, -1]));

describe('OutboundPipeline batching', () => {
  let clock: ManualClock;
  let link: ManualPublishLink;
  let turns: ManualTurns;
  let out: OutboundPipeline;
  const make = (limits: Partial<OutboundLimits> = {}) =>
    new OutboundPipeline(
      link,
      { maxQueued: 100, maxBytes: 1 << 20, maxAgeMs: 1000, maxInFlight: 10, stallTimeoutMs: 500, batchMax: 4, batchBytes: 1024, ...limits },
      clock,
      async () => null,
      () => {},
      () => {},
      turns,
    );
  const total = () => {
    const c = out.counters;
    return c.published + c.dropped + c.undeliverable + c.queued + c.inFlight; // inFlight includes batchPending
  };
  const ackAll = async () => {
    for (const s of link.sent.splice(0)) s.ack();
    await tick();
  };

  beforeEach(() => {
    clock = new ManualClock();
    link = new ManualPublishLink();
    turns = new ManualTurns();
    out = make();
  });

  it("packs one turn's deliveries to a channel into one publish, numbered per delivery", async () => {
    for (let i = 0; i < 3; i++) out.send('ch', msg(i));
    expect(link.sent).toHaveLength(0);
    expect(out.counters).toMatchObject({ batchPending: 3, inFlight: 3 });
    expect(total()).toBe(3);
    turns.endTurn();
    expect(link.sent).toHaveLength(1);
    expect(carried(link.sent[0].payload)).toEqual([[0, 1], [1, 2], [2, 3]]);
    expect(out.counters).toMatchObject({ inFlight: 3, redisPublishes: 1, batchPending: 0 });
    expect(total()).toBe(3);
    await ackAll();
    expect(out.counters).toMatchObject({ published: 3, inFlight: 0 });
    out.send('ch', msg(9));
    turns.endTurn();
    // A batch of one goes as the plain envelope; the numbering goes on.
    expect(isBatchEnvelope(link.sent[0].payload)).toBe(false);
    expect(carried(link.sent[0].payload)).toEqual([[9, 4]]);
  });

  it('closes a batch at batchMax deliveries and at batchBytes bytes', () => {
    for (let i = 0; i < 10; i++) out.send('ch', msg(i));
    turns.endTurn();
    expect(link.sent.map((s) => carried(s.payload).map(([d]) => d))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    link.sent.splice(0);
    out = make({ batchMax: 64 });
    const one = msg(0, 300).byteLength; // 4 + one bytes a batch entry, 7 the batch header: 3 a batch
    expect(7 + 3 * (4 + one)).toBeLessThanOrEqual(1024);
    expect(7 + 4 * (4 + one)).toBeGreaterThan(1024);
    for (let i = 0; i < 5; i++) out.send('big', msg(i, 300));
    turns.endTurn();
    expect(link.sent.every((s) => s.payload.byteLength <= 1024)).toBe(true);
    expect(link.sent.map((s) => carried(s.payload).length)).toEqual([3, 2]);
    // One delivery larger than batchBytes goes alone.
    link.sent.splice(0);
    out.send('huge', msg(0, 2000));
    out.send('huge', msg(1));
    turns.endTurn();
    expect(link.sent.map((s) => carried(s.payload).length)).toEqual([1, 1]);
  });

  it("keeps the publisher's order across channels on one Redis (batches are runs)", () => {
    out.send('a', msg(1));
    out.send('a', msg(2));
    out.send('b', msg(3));
    out.send('a', msg(4));
    turns.endTurn();
    expect(link.sent.map((s) => [s.channel, carried(s.payload).map(([d]) => d)])).toEqual([
      ['a', [1, 2]],
      ['b', [3]],
      ['a', [4]],
    ]);
    expect(carried(link.sent[2].payload)[0][1]).toBe(3); // still channel a's third delivery
  });

  it('packs per channel across the turn where only per-channel order is promised (Redis Cluster)', () => {
    out = make({ batchKeepsPublisherOrder: false });
    out.send('a', msg(1));
    out.send('b', msg(2));
    out.send('a', msg(3));
    turns.endTurn();
    expect(link.sent.map((s) => [s.channel, carried(s.payload)])).toEqual([
      ['a', [[1, 1], [3, 2]]],
      ['b', [[2, 1]]],
    ]);
  });

  it('a direct send publishes the open batch first, so the order is kept behind its lookup', () => {
    out.send('a', msg(1));
    out.sendDirect('c1', msg(2));
    expect(link.sent.map((s) => carried(s.payload)[0][0])).toEqual([1]);
    expect(turns.pending).toHaveLength(0);
  });

  it('holds the open batch when Redis went away before the end of the turn, then sends it in order', async () => {
    out.send('ch', msg(1));
    out.send('ch', msg(2));
    link.up = false;
    turns.endTurn();
    expect(link.sent).toHaveLength(0);
    expect(out.counters).toMatchObject({ queued: 2, batchPending: 0 });
    expect(total()).toBe(2);
    link.up = true;
    out.drain();
    expect(link.sent.map((s) => carried(s.payload))).toEqual([[[1, 1]], [[2, 2]]]);
    await ackAll();
    expect(out.counters).toMatchObject({ published: 2, queued: 0, dropped: 0 });
  });

  it('counts every delivery of a failed batch as unconfirmed', async () => {
    for (let i = 0; i < 3; i++) out.send('ch', msg(i));
    turns.endTurn();
    link.sent[0].fail();
    await tick();
    expect(out.counters).toMatchObject({ unconfirmed: 3, dropped: 3, inFlight: 0, published: 0 });
    expect(total()).toBe(3);
  });

  it('stop() publishes what is open and cancels the end-of-turn flush', () => {
    out.send('ch', msg(1));
    out.send('ch', msg(2));
    out.stop();
    expect(turns.pending).toHaveLength(0);
    expect(turns.cancelled).toBe(1);
    expect(link.sent).toHaveLength(1);
    expect(total()).toBe(2);
    out.send('ch', msg(3));
    expect(turns.pending).toHaveLength(0);
  });

  it('batches with the real scheduler (setImmediate, unref) and leaves no handle after stop()', async () => {
    const real = new OutboundPipeline(
      link,
      { maxQueued: 100, maxBytes: 1 << 20, maxAgeMs: 1000, maxInFlight: 10, stallTimeoutMs: 500, batchMax: 64, batchBytes: 65536 },
      clock,
      async () => null,
      () => {},
      () => {},
    );
    for (let i = 0; i < 5; i++) real.send('ch', msg(i));
    await tick();
    expect(link.sent.map((s) => carried(s.payload).length)).toEqual([5]);
    real.send('ch', msg(5));
    real.stop();
    await tick();
    expect(link.sent).toHaveLength(2);
  });
});
