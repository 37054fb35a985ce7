import { BucketHistogram } from '../../../src/domain/metrics/bucket-histogram';
import { ServerCounters } from '../../../src/domain/metrics/server-counters';

describe('BucketHistogram', () => {
  it('counts each observation in the first bucket whose bound holds it, cumulatively when read', () => {
    const h = new BucketHistogram([1, 5, 10]);
    for (const v of [0, 1, 1.5, 5, 7, 10, 11, 1000]) h.observe(v);
    expect(h.cumulative()).toEqual([2, 4, 6, 8]);
    expect(h.count).toBe(8);
    expect(h.sum).toBeCloseTo(1035.5);
    expect(h.quantile(0.5)).toBe(5);
    expect(h.quantile(1)).toBe(Infinity);
    expect(new BucketHistogram([1]).quantile(0.99)).toBe(0);
  });

  it('refuses bounds that are not ascending', () => {
    expect(() => new BucketHistogram([1, 1])).toThrow(RangeError);
  });
});

describe('ServerCounters', () => {
  it('keeps one traffic object per protocol and sums them', () => {
    const c = new ServerCounters();
    expect(c.traffic('ws')).toBe(c.traffic('ws'));
    c.traffic('ws').bytesIn += 10;
    c.traffic('tcp').bytesIn += 5;
    expect(c.total('bytesIn')).toBe(15);
    c.countRefusal('A');
    c.countRefusal('A');
    c.countInvalid('B');
    expect([...c.refused]).toEqual([['A', 2]]);
    expect([...c.invalid]).toEqual([['B', 1]]);
  });
});
