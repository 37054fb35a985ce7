import { HeartbeatMonitor } from '../../../src/domain/client/heartbeat-monitor';
import { ClientFakeClock } from '../../fakes/client-fake-clock';

describe('HeartbeatMonitor', () => {
  function setup() {
    const clock = new ClientFakeClock();
    const log: string[] = [];
    const hb = new HeartbeatMonitor(clock, { ping: () => log.push('ping'), silent: (ms) => log.push(`silent ${ms}`) });
    return { clock, log, hb };
  }

  it('pings every interval while the peer talks', () => {
    const { clock, log, hb } = setup();
    hb.start(100);
    for (let i = 0; i < 5; i++) {
      clock.advance(100);
      hb.seen();
    }
    expect(log).toEqual(['ping', 'ping', 'ping', 'ping', 'ping']);
  });

  it('reports a peer silent for two intervals once, then stops', () => {
    const { clock, log, hb } = setup();
    hb.start(100);
    clock.advance(1000);
    expect(log).toEqual(['ping', 'silent 200']);
    expect(hb.running).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it('stop clears the timer; start restarts with a new interval', () => {
    const { clock, log, hb } = setup();
    hb.start(100);
    hb.stop();
    clock.advance(500);
    expect(log).toEqual([]);
    hb.start(50);
    clock.advance(50);
    expect(log).toEqual(['ping']);
    hb.stop();
    expect(clock.pending).toBe(0);
  });

  it('rejects a bad interval', () => {
    expect(() => setup().hb.start(0)).toThrow(RangeError);
  });
});
