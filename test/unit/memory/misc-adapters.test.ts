import { ConsoleLogger, SilentLogger } from '../../../src/adapters/memory/console-logger.adapter';
import { UuidIdGenerator, FunctionIdGenerator } from '../../../src/adapters/memory/uuid-id-generator.adapter';
import { SystemClock } from '../../../src/adapters/memory/system-clock.adapter';
import { MemoryClusterBus } from '../../../src/adapters/memory/memory-cluster-bus.adapter';
import type { ClusterStateProvider } from '../../../src/ports/cluster-bus.port';

describe('ConsoleLogger', () => {
  function sink() {
    const out: string[] = [];
    const rec = (lvl: string) => (m: string, ...a: unknown[]) => out.push(`${lvl}:${[m, ...a].join(' ')}`);
    return { out, s: { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') } };
  }

  it('filters by level and prefixes [stelar]', () => {
    const { out, s } = sink();
    const l = new ConsoleLogger('warn', s);
    l.debug('d');
    l.info('i');
    l.warn('w', 1);
    l.error('e');
    expect(out).toEqual(['warn:[stelar] w 1', 'error:[stelar] e']);
  });

  it('silent logs nothing; debug logs all; bad levels throw', () => {
    const { out, s } = sink();
    const l = new ConsoleLogger('silent', s);
    l.error('x');
    expect(out).toEqual([]);
    l.setLevel('debug');
    l.debug('y');
    expect(out).toEqual(['debug:[stelar] y']);
    expect(() => new ConsoleLogger('loud' as never, s)).toThrow(RangeError);
    expect(() => new SilentLogger().error()).not.toThrow();
  });
});

describe('id generators', () => {
  it('UuidIdGenerator yields distinct v4 UUIDs', () => {
    const g = new UuidIdGenerator();
    const a = g.next();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(g.next()).not.toBe(a);
  });

  it('FunctionIdGenerator validates the user function', () => {
    let n = 0;
    expect(new FunctionIdGenerator(() => `u${++n}`).next()).toBe('u1');
    expect(() => new FunctionIdGenerator(() => '').next()).toThrow(TypeError);
    expect(() => new FunctionIdGenerator(42 as never)).toThrow(TypeError);
  });
});

describe('SystemClock', () => {
  it('unrefs its timers and can clear them', () => {
    const c = new SystemClock();
    const t = c.setTimeout(() => {}, 10_000) as NodeJS.Timeout;
    const i = c.setInterval(() => {}, 10_000) as NodeJS.Timeout;
    expect(t.hasRef()).toBe(false);
    expect(i.hasRef()).toBe(false);
    c.clearTimeout(t);
    c.clearInterval(i);
    expect(Math.abs(c.now() - Date.now())).toBeLessThan(1000);
  });

  it('fires a timeout', async () => {
    const c = new SystemClock();
    await new Promise<void>((resolve) => c.setTimeout(resolve, 1));
  });
});

describe('MemoryClusterBus', () => {
  const state: ClusterStateProvider = {
    localRooms: () => ['r1'],
    localRoomMembers: (room) => (room === 'r1' ? ['a'] : []),
    localClients: () => [{ id: 'a', rooms: ['r1'] }],
    localStats: () => ({ activeConnections: 1 }),
  };

  it('is a single node answering from local state', async () => {
    const bus = new MemoryClusterBus('n1');
    expect(bus.clustered).toBe(false);
    expect(bus.nodeId).toBe('n1');
    await bus.start(() => {}, state);
    expect(() => bus.publish({ target: { kind: 'all' }, event: 'x' })).not.toThrow();
    expect(bus.hasRemoteClient('a')).toBe(false);
    expect(await bus.rooms()).toEqual({ value: ['r1'], partial: false, nodes: 1, nodeIds: ['n1'] });
    expect(await bus.roomMembers('r1')).toEqual({ value: ['a'], partial: false, nodes: 1, nodeIds: ['n1'] });
    expect((await bus.clients()).value).toEqual([{ id: 'a', rooms: ['r1'] }]);
    expect((await bus.stats()).value).toEqual([{ activeConnections: 1 }]);
    await bus.stop();
    expect((await bus.rooms()).value).toEqual([]);
  });
});
