// RoomSubscriptions with a hand-written link whose (UN)SUBSCRIBE replies are released by the
// test: batching, the join rule (only the last SUBSCRIBE's acknowledgement confirms a room), the
// bounded wait, and what happens while the subscriber is down.
import { RoomSubscriptions, type SubscriptionLink } from '../../../src/adapters/redis/room-subscriptions';
import { RecordingLogger } from '../../integration/cluster/cluster-kit';
import { ManualClock } from './manual-clock';

/** Records every command in order; replies only when the test says so (like a slow Redis). */
class ManualLink implements SubscriptionLink {
  up = true;
  readonly commands: { op: 'sub' | 'unsub'; channels: string[]; reply: () => void; fail: (e: Error) => void }[] = [];
  isUp(): boolean {
    return this.up;
  }
  subscribe(channels: string[]): Promise<unknown> {
    return this.push('sub', channels);
  }
  unsubscribe(channels: string[]): Promise<unknown> {
    return this.push('unsub', channels);
  }
  /** Replies to every command sent so far, in order (Redis answers one connection in order). */
  replyAll(): void {
    for (const c of this.commands.splice(0)) c.reply();
  }
  private push(op: 'sub' | 'unsub', channels: string[]): Promise<unknown> {
    return new Promise((resolve, reject) => this.commands.push({ op, channels, reply: () => resolve(undefined), fail: reject }));
  }
}

describe('RoomSubscriptions', () => {
  let clock: ManualClock;
  let link: ManualLink;
  let subs: RoomSubscriptions;
  let flushes: (() => void)[];
  const flush = () => flushes.splice(0).forEach((f) => f());
  const tick = () => new Promise((r) => setImmediate(r));

  beforeEach(async () => {
    clock = new ManualClock();
    link = new ManualLink();
    flushes = [];
    subs = new RoomSubscriptions(link, (r) => `ch:${r}`, clock, 2000, new RecordingLogger(), (f) => flushes.push(f));
    await subs.start([]);
  });
  afterEach(() => {
    subs.stop();
    expect(clock.pending).toBe(0);
  });

  it('batches the changes of one turn into one SUBSCRIBE and one UNSUBSCRIBE', async () => {
    for (const r of ['a', 'b', 'c']) subs.opened(r);
    expect(flushes).toHaveLength(1); // one flush scheduled for the whole turn
    flush();
    expect(link.commands.map((c) => [c.op, c.channels])).toEqual([['sub', ['ch:a', 'ch:b', 'ch:c']]]);
    link.replyAll();
    await tick();
    subs.closed('a');
    subs.closed('b');
    subs.opened('d');
    subs.opened('e');
    subs.closed('e'); // opened and closed within the batch: costs nothing
    flush();
    expect(link.commands.map((c) => [c.op, c.channels])).toEqual([
      ['unsub', ['ch:a', 'ch:b']],
      ['sub', ['ch:d']],
    ]);
    expect(subs.counters).toMatchObject({ roomSubscribes: 4, roomUnsubscribes: 2, subscriptionBatches: 2 });
  });

  it('a join waits for its SUBSCRIBE to be acknowledged, then deliveries are guaranteed', async () => {
    subs.opened('r');
    const ready = subs.ready('r');
    expect(ready).toBeDefined();
    let done = false;
    void ready!.then(() => (done = true));
    flush();
    await tick();
    expect(done).toBe(false); // SUBSCRIBE sent, not yet acknowledged
    link.replyAll();
    await tick();
    expect(done).toBe(true);
    expect(subs.isConfirmed('r')).toBe(true);
    expect(subs.ready('r')).toBeUndefined(); // already subscribed: no wait
  });

  it('leave then re-join while the UNSUBSCRIBE is in flight: only the last SUBSCRIBE confirms', async () => {
    subs.opened('r');
    flush(); // SUBSCRIBE #1 in flight
    subs.closed('r');
    flush(); // UNSUBSCRIBE in flight behind it
    subs.opened('r');
    const ready = subs.ready('r')!;
    let done = false;
    void ready.then(() => (done = true));
    flush(); // SUBSCRIBE #2 behind the UNSUBSCRIBE
    expect(link.commands.map((c) => c.op)).toEqual(['sub', 'unsub', 'sub']);
    // Redis answers SUBSCRIBE #1 first: the room is NOT confirmed by it (the UNSUBSCRIBE after
    // it will drop the subscription; a delivery published now could be lost).
    link.commands.shift()!.reply();
    await tick();
    expect(done).toBe(false);
    expect(subs.isConfirmed('r')).toBe(false);
    link.commands.shift()!.reply(); // UNSUBSCRIBE
    await tick();
    expect(done).toBe(false);
    link.commands.shift()!.reply(); // SUBSCRIBE #2: from now on every delivery arrives
    await tick();
    expect(done).toBe(true);
    expect(subs.isConfirmed('r')).toBe(true);
  });

  it('never holds a join longer than the wait bound, and counts it', async () => {
    subs.opened('slow');
    const ready = subs.ready('slow')!;
    flush();
    let done = false;
    void ready.then(() => (done = true));
    clock.advance(1999);
    await tick();
    expect(done).toBe(false);
    clock.advance(1);
    await tick();
    expect(done).toBe(true);
    expect(subs.counters.subscribeWaitTimeouts).toBe(1);
  });

  it('does not hold joins while the subscriber is down; resubscribes what is wanted when back', async () => {
    link.up = false;
    subs.opened('r');
    expect(subs.ready('r')).toBeUndefined(); // cut off anyway: local delivery must not stall
    flush();
    link.commands.shift()!.fail(new Error('Connection is closed.'));
    await tick();
    expect(subs.size).toBe(0);
    link.up = true;
    subs.resync();
    flush();
    expect(link.commands.map((c) => [c.op, c.channels])).toEqual([['sub', ['ch:r']]]);
  });

  it('stop() releases every waiter and forgets everything', async () => {
    subs.opened('r');
    const ready = subs.ready('r')!;
    subs.stop();
    await expect(ready).resolves.toBeUndefined();
    expect(subs.size).toBe(0);
    subs.opened('x'); // after stop: ignored
    expect(flushes).toHaveLength(1); // only the flush scheduled before stop
  });
});
