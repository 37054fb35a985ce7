import { DeliveryGapTracker } from '../../../src/adapters/redis/delivery-gap.tracker';

describe('DeliveryGapTracker', () => {
  it('counts the sequence numbers it never saw, per channel and origin', () => {
    const t = new DeliveryGapTracker();
    expect(t.observe('room', 'a', 7)).toBe(0); // baseline: nothing before a subscription is a loss
    expect(t.observe('room', 'a', 8)).toBe(0);
    expect(t.observe('room', 'a', 12)).toBe(3);
    expect(t.observe('room', 'b', 1)).toBe(0); // another origin, its own numbering
    expect(t.observe('other', 'a', 100)).toBe(0); // another channel too
    expect(t.observe('room', 'b', 3)).toBe(1);
    expect(t.missed).toBe(4);
  });

  it('treats a number at or below the last as a restarted publisher (new baseline, no gap)', () => {
    const t = new DeliveryGapTracker();
    t.observe('r', 'a', 50);
    expect(t.observe('r', 'a', 1)).toBe(0);
    expect(t.observe('r', 'a', 3)).toBe(1);
    expect(t.missed).toBe(1);
  });

  it('forgets a channel (unsubscribed) and an origin (node died)', () => {
    const t = new DeliveryGapTracker();
    t.observe('r', 'a', 1);
    t.observe('s', 'a', 1);
    t.observe('s', 'b', 1);
    t.forgetChannel('r');
    expect(t.observe('r', 'a', 9)).toBe(0); // new baseline after re-subscribing
    t.forgetOrigin('a');
    expect(t.observe('s', 'a', 9)).toBe(0);
    expect(t.observe('s', 'b', 2)).toBe(0);
    expect(t.size).toBe(1); // "r" went with its only origin
  });
});
