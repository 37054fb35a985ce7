import { MemoryIPTracker } from '../../../src/adapters/memory/ip-tracker.adapter';

describe('MemoryIPTracker', () => {
  it('allows up to maxPerIp simultaneous connections per IP', () => {
    const t = new MemoryIPTracker(2);
    expect(t.check('1.1.1.1')).toBe(true);
    t.add('1.1.1.1');
    t.add('1.1.1.1');
    expect(t.check('1.1.1.1')).toBe(false);
    expect(t.check('2.2.2.2')).toBe(true);
    t.remove('1.1.1.1');
    expect(t.check('1.1.1.1')).toBe(true);
    expect(t.getCount('1.1.1.1')).toBe(1);
  });

  it('deletes counts at zero and never goes negative', () => {
    const t = new MemoryIPTracker(5);
    t.add('a');
    t.remove('a');
    expect(t.size()).toBe(0);
    t.remove('a');
    expect(t.getCount('a')).toBe(0);
    expect(t.size()).toBe(0);
    t.cleanup();
    expect(t.size()).toBe(0);
  });

  it('the cap can change live and is validated', () => {
    const t = new MemoryIPTracker(1);
    t.add('a');
    expect(t.check('a')).toBe(false);
    t.setMaxPerIp(2);
    expect(t.check('a')).toBe(true);
    expect(() => t.setMaxPerIp(0)).toThrow(RangeError);
    expect(() => new MemoryIPTracker(-1)).toThrow(RangeError);
  });
});
