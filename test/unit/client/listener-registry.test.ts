import { ListenerRegistry } from '../../../src/domain/client/listener-registry';

describe('ListenerRegistry', () => {
  it('dispatches to every listener in order with the arguments', () => {
    const errors: unknown[] = [];
    const r = new ListenerRegistry((e) => errors.push(e));
    const got: unknown[] = [];
    r.on('a', (x, y) => got.push(['1', x, y]));
    r.on('a', (x) => got.push(['2', x]));
    expect(r.dispatch('a', 5, 6)).toBe(2);
    expect(got).toEqual([['1', 5, 6], ['2', 5]]);
    expect(r.dispatch('none')).toBe(0);
  });

  it('once fires once and off removes a once listener by its original function', () => {
    const r = new ListenerRegistry(() => {});
    let n = 0;
    const f = (): void => void n++;
    r.once('a', f);
    r.dispatch('a');
    r.dispatch('a');
    expect(n).toBe(1);
    r.once('b', f);
    r.off('b', f);
    r.dispatch('b');
    expect(n).toBe(1);
    expect(r.count('b')).toBe(0);
  });

  it('a throwing listener is reported and the others still run', () => {
    const errors: [unknown, string][] = [];
    const r = new ListenerRegistry((e, ev) => errors.push([e, ev]));
    let ran = false;
    r.on('a', () => {
      throw new Error('bad');
    });
    r.on('a', () => (ran = true));
    r.dispatch('a');
    expect(ran).toBe(true);
    expect(errors).toEqual([[new Error('bad'), 'a']]);
  });

  it('removing during dispatch does not skip the next listener', () => {
    const r = new ListenerRegistry(() => {});
    const got: string[] = [];
    const first = (): void => {
      got.push('1');
      r.off('a', first);
    };
    r.on('a', first);
    r.on('a', () => got.push('2'));
    r.dispatch('a');
    r.dispatch('a');
    expect(got).toEqual(['1', '2', '2']);
  });

  it('removeAll for one event or all, and rejects non-functions', () => {
    const r = new ListenerRegistry(() => {});
    r.on('a', () => {});
    r.on('b', () => {});
    r.removeAll('a');
    expect([r.count('a'), r.count('b')]).toEqual([0, 1]);
    r.removeAll();
    expect(r.count('b')).toBe(0);
    expect(() => r.on('a', 5 as never)).toThrow(TypeError);
  });
});
