import { PendingQueryRegistry } from '../../../src/adapters/redis/pending-query.registry';
import { ManualClock } from './manual-clock';

describe('PendingQueryRegistry', () => {
  let clock: ManualClock;
  let reg: PendingQueryRegistry;
  beforeEach(() => {
    clock = new ManualClock();
    reg = new PendingQueryRegistry(clock);
  });

  it('settles complete once every expected node answered, and clears its timer', async () => {
    const { id, outcome } = reg.open(new Set(['a', 'b']), 1000);
    expect(reg.answer(id, 'a', 1)).toBe(true);
    expect(reg.size).toBe(1);
    expect(reg.answer(id, 'b', 2)).toBe(true);
    const o = await outcome;
    expect(o.missing).toBe(0);
    expect([...o.answers]).toEqual([['a', 1], ['b', 2]]);
    expect(reg.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('settles partial on timeout, counting the silent nodes', async () => {
    const { id, outcome } = reg.open(new Set(['a', 'b', 'c']), 500);
    reg.answer(id, 'b', 'x');
    clock.advance(499);
    expect(reg.size).toBe(1);
    clock.advance(1);
    const o = await outcome;
    expect(o.missing).toBe(2);
    expect([...o.answers.keys()]).toEqual(['b']);
  });

  it('ignores duplicate, late and unknown answers', async () => {
    const { id, outcome } = reg.open(new Set(['a', 'b']), 100);
    expect(reg.answer(id, 'a', 1)).toBe(true);
    expect(reg.answer(id, 'a', 99)).toBe(false);
    expect(reg.answer(id + 1000, 'b', 1)).toBe(false);
    clock.advance(100);
    const o = await outcome;
    expect(o.answers.get('a')).toBe(1);
    expect(o.missing).toBe(1);
    expect(reg.answer(id, 'b', 2)).toBe(false);
  });

  it('counts an answer from a node that was not expected (joined meanwhile)', async () => {
    const { id, outcome } = reg.open(new Set(['a']), 100);
    reg.answer(id, 'new', 5);
    reg.answer(id, 'a', 1);
    const o = await outcome;
    expect(o.missing).toBe(0);
    expect([...o.answers.keys()]).toEqual(['new', 'a']);
  });

  it('settles early on a conclusive answer and reports it complete', async () => {
    const { id, outcome } = reg.open(new Set(['a', 'b', 'c']), 100, (v) => v === true);
    reg.answer(id, 'a', false);
    expect(reg.size).toBe(1);
    reg.answer(id, 'b', true);
    const o = await outcome;
    expect(o.missing).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('settleAll resolves every open query with what arrived', async () => {
    const q1 = reg.open(new Set(['a']), 100);
    const q2 = reg.open(new Set(['a', 'b']), 100);
    reg.answer(q2.id, 'b', 1);
    reg.settleAll();
    expect((await q1.outcome).missing).toBe(1);
    expect((await q2.outcome).missing).toBe(1);
    expect(reg.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('gives distinct ids to concurrent queries', () => {
    const ids = new Set<number>();
    for (let i = 0; i < 50; i++) ids.add(reg.open(new Set(['a']), 10).id);
    expect(ids.size).toBe(50);
  });
});
