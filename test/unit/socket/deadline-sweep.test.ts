import { DeadlineSweep } from '../../../src/adapters/socket/deadline-sweep';
import { FakeClock } from '../../fakes/fake-clock';

describe('DeadlineSweep (one timer for every pending handshake of a transport)', () => {
  it('expires entries in arrival order, each once, and forgets them', async () => {
    const expired: string[] = [];
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    const sweep = new DeadlineSweep<string>(20, (k) => {
      expired.push(k);
      if (expired.length === 2) done();
    });
    sweep.add('a');
    sweep.add('b');
    expect(sweep.size).toBe(2);
    await all;
    expect(expired).toEqual(['a', 'b']);
    expect(sweep.size).toBe(0);
  });

  it('a deleted entry never expires; later ones still do', async () => {
    const expired: string[] = [];
    let done!: () => void;
    const last = new Promise<void>((r) => (done = r));
    const sweep = new DeadlineSweep<string>(20, (k) => {
      expired.push(k);
      if (k === 'c') done();
    });
    sweep.add('a');
    sweep.add('b');
    expect(sweep.delete('a')).toBe(true);
    expect(sweep.delete('a')).toBe(false);
    sweep.add('c');
    await last;
    expect(expired).toEqual(['b', 'c']);
  });

  it('an entry added after the first sweep gets its own full timeout', async () => {
    const times = new Map<string, number>();
    let done!: () => void;
    const late = new Promise<void>((r) => (done = r));
    const start = performance.now();
    const sweep = new DeadlineSweep<string>(30, (k) => {
      times.set(k, performance.now() - start);
      if (k === 'late') done();
    });
    sweep.add('early');
    await new Promise((r) => setTimeout(r, 15));
    sweep.add('late');
    await late;
    expect(times.get('early')).toBeGreaterThanOrEqual(29);
    expect(times.get('late')).toBeGreaterThanOrEqual(44);
  });

  it('clear() drops every entry and stops the timer', async () => {
    const expired: string[] = [];
    const sweep = new DeadlineSweep<string>(10, (k) => expired.push(k));
    sweep.add('a');
    sweep.clear();
    expect(sweep.size).toBe(0);
    // A second sweep with the same timeout, added after: when it fires, the first one would have.
    let done!: () => void;
    const probe = new Promise<void>((r) => (done = r));
    new DeadlineSweep<string>(15, () => done()).add('probe');
    await probe;
    expect(expired).toEqual([]);
  });

  it('deadlines run on the monotonic clock: a wall-clock jump neither expires nor holds back an entry', () => {
    // A clock whose wall time is set back a day and then forward a day while monotonic time
    // moves only with advance().
    const clock = new FakeClock();
    let wallOffset = 0;
    const jumpy = Object.assign(Object.create(clock) as FakeClock, { now: () => clock.now() + wallOffset });
    const expired: string[] = [];
    const sweep = new DeadlineSweep<string>(100, (k) => expired.push(k), jumpy);
    sweep.add('a');
    wallOffset = -86_400_000;
    clock.advance(60);
    sweep.add('b');
    wallOffset = 86_400_000;
    clock.advance(39);
    expect(expired).toEqual([]);
    clock.advance(1);
    expect(expired).toEqual(['a']);
    clock.advance(59);
    expect(expired).toEqual(['a']);
    clock.advance(1);
    expect(expired).toEqual(['a', 'b']);
    expect(clock.pending).toBe(0);
  });
});
