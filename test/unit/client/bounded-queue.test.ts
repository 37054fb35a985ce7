import fc from 'fast-check';
import { BoundedQueue } from '../../../src/domain/client/bounded-queue';

describe('BoundedQueue', () => {
  it('is FIFO', () => {
    const q = new BoundedQueue<number>(5);
    [1, 2, 3].forEach((n) => expect(q.push(n)).toBeUndefined());
    expect(q.size).toBe(3);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([1, 2, 3, undefined]);
    expect(q.size).toBe(0);
  });

  it('never exceeds its capacity and drops the oldest when full', () => {
    const q = new BoundedQueue<number>(3);
    for (let i = 1; i <= 3; i++) q.push(i);
    expect(q.push(4)).toBe(1);
    expect(q.push(5)).toBe(2);
    expect(q.size).toBe(3);
    expect(q.toArray()).toEqual([3, 4, 5]);
  });

  it('capacity 0 drops every push', () => {
    const q = new BoundedQueue<string>(0);
    expect(q.push('a')).toBe('a');
    expect(q.size).toBe(0);
  });

  it('rejects bad capacities', () => {
    expect(() => new BoundedQueue(-1)).toThrow(RangeError);
    expect(() => new BoundedQueue(1.5)).toThrow(RangeError);
  });

  it('removeWhere keeps the order of the rest', () => {
    const q = new BoundedQueue<number>(4);
    [1, 2, 3, 4, 5].forEach((n) => q.push(n)); // holds 2..5, wrapped
    expect(q.removeWhere((n) => n % 2 === 0)).toEqual([2, 4]);
    expect(q.toArray()).toEqual([3, 5]);
    q.push(6);
    expect(q.toArray()).toEqual([3, 5, 6]);
  });

  it('resize keeps the newest entries and returns the evicted ones', () => {
    const q = new BoundedQueue<number>(5);
    [1, 2, 3, 4, 5].forEach((n) => q.push(n));
    expect(q.resize(2)).toEqual([1, 2, 3]);
    expect(q.toArray()).toEqual([4, 5]);
    expect(q.capacity).toBe(2);
    expect(q.resize(4)).toEqual([]);
    q.push(6);
    expect(q.toArray()).toEqual([4, 5, 6]);
  });

  it('clear empties and returns everything in order', () => {
    const q = new BoundedQueue<number>(2);
    [1, 2, 3].forEach((n) => q.push(n));
    expect(q.clear()).toEqual([2, 3]);
    expect(q.size).toBe(0);
  });

  it('property: behaves like an array that keeps the last `capacity` pushes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }),
        fc.array(fc.oneof(fc.integer(), fc.constant<'shift'>('shift')), { maxLength: 60 }),
        (cap, ops) => {
          const q = new BoundedQueue<number>(cap);
          const model: number[] = [];
          for (const op of ops) {
            if (op === 'shift') {
              if (q.shift() !== model.shift()) return false;
            } else {
              const dropped = q.push(op);
              model.push(op);
              const expected = model.length > cap ? model.shift() : undefined;
              if (dropped !== expected) return false;
            }
            if (q.size !== model.length || q.size > cap) return false;
          }
          return JSON.stringify(q.toArray()) === JSON.stringify(model);
        },
      ),
    );
  });
});
