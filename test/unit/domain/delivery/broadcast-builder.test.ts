import { BroadcastBuilder } from '../../../../src/domain/delivery/broadcast.builder';
import { EVERYONE, NameFilter, planExcept, planTo, type BroadcastPlan } from '../../../../src/domain/delivery/broadcast-plan';
import { record } from '../helpers';

function capture() {
  const sends: { plan: BroadcastPlan; event: string; data: unknown }[] = [];
  const root = new BroadcastBuilder((plan, event, data) => sends.push({ plan, event, data }));
  return { sends, root };
}

describe('BroadcastBuilder (immutable chaining)', () => {
  it('every step returns a new builder and leaves the one it came from unchanged', () => {
    const { root } = capture();
    const a = root.to('a');
    const ab = a.to('b');
    const v = ab.volatile;
    const l = v.local;
    const x = l.except('c');
    expect(new Set([root, a, ab, v, l, x]).size).toBe(6);
    expect(root.plan).toBe(EVERYONE);
    expect(a.plan.rooms).toEqual(['a']);
    expect(ab.plan.rooms).toEqual(['a', 'b']);
    expect([ab.plan.volatile, v.plan.volatile]).toEqual([false, true]);
    expect([v.plan.local, l.plan.local]).toEqual([false, true]);
    expect([l.plan.except, x.plan.except]).toEqual([[], ['c']]);
    expect(Object.isFrozen(x)).toBe(true);
    expect(Object.isFrozen(x.plan)).toBe(true);
    expect(Object.isFrozen(x.plan.rooms)).toBe(true);
  });

  it('a builder kept in a variable can be reused: each emit sends its own plan', () => {
    const { root, sends } = capture();
    const room = root.to('lobby');
    room.except('u1').emit('a', 1);
    room.emit('b', 2);
    expect(sends.map((s) => [s.event, s.data, s.plan.rooms, s.plan.except])).toEqual([
      ['a', 1, ['lobby'], ['u1']],
      ['b', 2, ['lobby'], []],
    ]);
  });

  it('.to().to() and lists are unions, in order, without repeats; so is except', () => {
    const { root } = capture();
    expect(root.to(['a', 'b']).to('a').to(['c', 'b']).plan.rooms).toEqual(['a', 'b', 'c']);
    expect(root.except('x').except(['y', 'x']).plan.except).toEqual(['x', 'y']);
  });

  it('to([]) targets nobody (not everyone); no to() targets everyone', () => {
    expect(planTo(EVERYONE, []).targeted).toBe(true);
    expect(planTo(EVERYONE, []).rooms).toEqual([]);
    expect(EVERYONE.targeted).toBe(false);
  });

  it('names must be strings', () => {
    const { root } = capture();
    expect(() => root.to(3 as unknown as string)).toThrow(TypeError);
    expect(() => root.except([null as unknown as string])).toThrow(TypeError);
  });

  it('volatile and local are idempotent (the same plan)', () => {
    const { root } = capture();
    const v = root.volatile;
    expect(v.volatile.plan).toBe(v.plan);
    const l = v.local;
    expect(l.local.plan).toBe(l.plan);
    expect(planExcept(EVERYONE, []).except).toBe(EVERYONE.except);
  });
});

describe('NameFilter (except: ids or rooms)', () => {
  it('skips a recipient by its id or by a room it is in', () => {
    const a = record('a');
    const b = record('b');
    b.info.rooms.add('vip');
    const c = record('c');
    const f = new NameFilter(['a', 'vip']);
    expect([f.excludes(a), f.excludes(b), f.excludes(c)]).toEqual([true, true, false]);
  });
});
