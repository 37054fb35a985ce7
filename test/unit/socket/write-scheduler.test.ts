import { pendingFlushCount, scheduleFlush, type ScheduledWriter } from '../../../src/adapters/socket/write-scheduler';

const turn = () => new Promise((r) => setImmediate(r));

/** Records its flushes; can queue another writer or throw while flushing. */
class Target implements ScheduledWriter {
  flushes = 0;
  failures: unknown[] = [];
  constructor(
    private readonly log: string[],
    private readonly name: string,
    private readonly during?: () => void,
  ) {}
  flushWrites(): void {
    this.flushes++;
    this.log.push(this.name);
    this.during?.();
  }
  flushFailed(err: unknown): void {
    this.failures.push(err);
  }
}

// The scheduler that replaced tcp-flush-queue.ts and ws-write-batch.ts: one pass per
// event-loop turn (check phase) for every connection of both transports.
describe('write scheduler (adapters/socket)', () => {
  it('flushes every scheduled writer once, in order, in one pass per turn', async () => {
    const log: string[] = [];
    const targets = ['a', 'b', 'c'].map((n) => new Target(log, n));
    for (const t of targets) scheduleFlush(t);
    expect(pendingFlushCount()).toBe(3);
    expect(log).toEqual([]);
    await Promise.resolve();
    // Not on a microtask: promise continuations of this turn still join the batch.
    expect(log).toEqual([]);
    await turn();
    expect(log).toEqual(['a', 'b', 'c']);
    expect(pendingFlushCount()).toBe(0);
  });

  it('a writer scheduled during the pass is flushed in the next pass', async () => {
    const log: string[] = [];
    const late = new Target(log, 'late');
    scheduleFlush(new Target(log, 'first', () => scheduleFlush(late)));
    await turn();
    expect(log).toEqual(['first']);
    expect(pendingFlushCount()).toBe(1);
    await turn();
    expect(log).toEqual(['first', 'late']);
    expect(pendingFlushCount()).toBe(0);
  });

  it('a throwing flush does not strand the writers after it, and is reported to its writer', async () => {
    const log: string[] = [];
    const boom = new Error('boom');
    const bad = new Target(log, 'bad', () => {
      throw boom;
    });
    const after = new Target(log, 'after');
    scheduleFlush(bad);
    scheduleFlush(after);
    await turn();
    expect(log).toEqual(['bad', 'after']);
    expect(bad.failures).toEqual([boom]);
    expect(after.failures).toEqual([]);
    expect(pendingFlushCount()).toBe(0);
    // The scheduler still works afterwards.
    scheduleFlush(new Target(log, 'next'));
    await turn();
    expect(log).toEqual(['bad', 'after', 'next']);
  });

  it('a flushFailed that throws too does not stop the pass', async () => {
    const log: string[] = [];
    const worse: ScheduledWriter = {
      flushWrites() {
        throw new Error('flush');
      },
      flushFailed() {
        throw new Error('and failing');
      },
    };
    scheduleFlush(worse);
    scheduleFlush(new Target(log, 'after'));
    await turn();
    expect(log).toEqual(['after']);
  });
});
