import {
  isClientList,
  isStatsRecord,
  isStringArray,
  mergeClientLists,
  mergeStringLists,
  sumStats,
} from '../../../src/adapters/redis/cluster-query.merge';

describe('cluster query merging', () => {
  it('unions string lists keeping first-seen order', () => {
    expect(mergeStringLists([['a', 'b'], ['b', 'c'], [], ['a', 'd']])).toEqual(['a', 'b', 'c', 'd']);
    expect(mergeStringLists([])).toEqual([]);
  });

  it('concatenates client lists and merges a duplicated id', () => {
    const merged = mergeClientLists([
      [{ id: 'x', rooms: ['r1'] }, { id: 'y', rooms: [] }],
      [{ id: 'z', rooms: ['r2'] }, { id: 'x', rooms: ['r1', 'r3'] }],
    ]);
    expect(merged).toEqual([
      { id: 'x', rooms: ['r1', 'r3'] },
      { id: 'y', rooms: [] },
      { id: 'z', rooms: ['r2'] },
    ]);
  });

  it('does not alias the input rooms arrays', () => {
    const input = [{ id: 'x', rooms: ['r1'] }];
    const merged = mergeClientLists([input, [{ id: 'x', rooms: ['r2'] }]]);
    expect(input[0].rooms).toEqual(['r1']);
    expect(merged[0].rooms).toEqual(['r1', 'r2']);
  });

  it('sums stats key by key, missing keys counting as 0', () => {
    expect(sumStats([{ a: 1, b: 2 }, { a: 3 }, { c: 5 }])).toEqual({ a: 4, b: 2, c: 5 });
    expect(sumStats([])).toEqual({});
    expect(sumStats([{ a: 1, mem: { rss: 5 } }, { a: 2, mem: { rss: 6 }, bad: NaN }])).toEqual({ a: 3 });
  });

  it('validates untrusted answers', () => {
    expect(isStringArray(['a'])).toBe(true);
    expect(isStringArray([])).toBe(true);
    expect(isStringArray(['a', 1])).toBe(false);
    expect(isStringArray('a')).toBe(false);
    expect(isClientList([{ id: 'a', rooms: ['r'] }])).toBe(true);
    expect(isClientList([{ id: 'a' }])).toBe(false);
    expect(isClientList([null])).toBe(false);
    expect(isClientList([{ id: 1, rooms: [] }])).toBe(false);
    expect(isStatsRecord({ a: 1 })).toBe(true);
    expect(isStatsRecord({ a: 1, mem: { rss: 1 } })).toBe(true); // passed through as is
    expect(isStatsRecord([1])).toBe(false);
    expect(isStatsRecord(null)).toBe(false);
  });
});
