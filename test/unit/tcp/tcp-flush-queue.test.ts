import {
  enterInbound,
  leaveInbound,
  pendingFlushCount,
  scheduleFlush,
  type TcpFlushable,
} from '../../../src/adapters/tcp/tcp-flush-queue';

const tick = () => new Promise((r) => process.nextTick(r));

/** Records its flushes; can queue another target or throw while flushing. */
class Target implements TcpFlushable {
  flushes = 0;
  constructor(
    private readonly log: string[],
    private readonly name: string,
    private readonly during?: () => void,
  ) {}
  flushQueued(): void {
    this.flushes++;
    this.log.push(this.name);
    this.during?.();
  }
}

describe('tcp flush queue', () => {
  it('flushes every scheduled target once, in order, on the next tick', async () => {
    const log: string[] = [];
    const targets = ['a', 'b', 'c'].map((n) => new Target(log, n));
    for (const t of targets) scheduleFlush(t);
    expect(pendingFlushCount()).toBe(3);
    expect(log).toEqual([]);
    await tick();
    expect(log).toEqual(['a', 'b', 'c']);
    expect(pendingFlushCount()).toBe(0);
  });

  it('a target scheduled during the flush is flushed in the same pass', async () => {
    const log: string[] = [];
    const late = new Target(log, 'late');
    scheduleFlush(new Target(log, 'first', () => scheduleFlush(late)));
    await tick();
    expect(log).toEqual(['first', 'late']);
    expect(pendingFlushCount()).toBe(0);
  });

  it('inside an inbound callback the outermost leaveInbound flushes, synchronously', async () => {
    const log: string[] = [];
    enterInbound();
    scheduleFlush(new Target(log, 'a'));
    enterInbound();
    scheduleFlush(new Target(log, 'b'));
    leaveInbound();
    expect(log).toEqual([]);
    leaveInbound();
    expect(log).toEqual(['a', 'b']);
    expect(pendingFlushCount()).toBe(0);
    await tick();
    expect(log).toEqual(['a', 'b']);
  });

  it('a throwing flush does not strand the targets after it', async () => {
    const log: string[] = [];
    // Capture the scheduled pass instead of letting process.nextTick run it (its throw would
    // be an uncaught exception), and run it here.
    const captured: (() => void)[] = [];
    const realNextTick = process.nextTick;
    process.nextTick = ((fn: () => void) => captured.push(fn)) as typeof process.nextTick;
    try {
      scheduleFlush(
        new Target(log, 'bad', () => {
          throw new Error('boom');
        }),
      );
      scheduleFlush(new Target(log, 'after'));
      expect(captured).toHaveLength(1);
      expect(() => captured[0]()).toThrow('boom');
      expect(log).toEqual(['bad']);
      // The rest was rescheduled.
      expect(captured).toHaveLength(2);
      captured[1]();
      expect(log).toEqual(['bad', 'after']);
      expect(pendingFlushCount()).toBe(0);
    } finally {
      process.nextTick = realNextTick;
    }
    // The queue still works afterwards.
    scheduleFlush(new Target(log, 'next'));
    await tick();
    expect(log).toEqual(['bad', 'after', 'next']);
  });
});
