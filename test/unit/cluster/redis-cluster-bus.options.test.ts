import { RedisClusterBus, MissingPeerDependencyError, loadIoredis } from '../../../src/adapters/redis';
import { resolveClusterBusOptions } from '../../../src/adapters/redis/redis-cluster-bus.options';

describe('RedisClusterBus options', () => {
  it('fills in defaults', () => {
    const o = resolveClusterBusOptions({ redis: 'redis://127.0.0.1:6379' });
    expect(o.prefix).toBe('stelar');
    expect(o.heartbeatMs).toBe(5000);
    expect(o.nodeTtlMs).toBe(15000);
    expect(o.queryTimeoutMs).toBe(1000);
    expect(o.nodeId).toMatch(new RegExp(`-${process.pid}-[0-9a-f]{8}$`));
  });

  it('keeps explicit values', () => {
    const o = resolveClusterBusOptions({
      redis: { host: 'h', port: 1 }, prefix: 'app', nodeId: 'n1', heartbeatMs: 100, nodeTtlMs: 250, queryTimeoutMs: 50,
    });
    expect(o).toMatchObject({ prefix: 'app', nodeId: 'n1', heartbeatMs: 100, nodeTtlMs: 250, queryTimeoutMs: 50 });
  });

  it('rejects caller mistakes synchronously', () => {
    expect(() => resolveClusterBusOptions(null as never)).toThrow(TypeError);
    expect(() => resolveClusterBusOptions({ redis: 42 as never })).toThrow(TypeError);
    expect(() => resolveClusterBusOptions({ redis: 'r', prefix: '' })).toThrow(TypeError);
    expect(() => resolveClusterBusOptions({ redis: 'r', prefix: 'a b' })).toThrow(TypeError);
    expect(() => resolveClusterBusOptions({ redis: 'r', nodeId: '' })).toThrow(TypeError);
    expect(() => resolveClusterBusOptions({ redis: 'r', nodeId: 'x'.repeat(256) })).toThrow(RangeError);
    expect(() => resolveClusterBusOptions({ redis: 'r', heartbeatMs: 0 })).toThrow(RangeError);
    expect(() => resolveClusterBusOptions({ redis: 'r', queryTimeoutMs: NaN })).toThrow(RangeError);
    expect(() => resolveClusterBusOptions({ redis: 'r', heartbeatMs: 100, nodeTtlMs: 100 })).toThrow(
      /nodeTtlMs/,
    );
  });

  it('bounds the publish batches (default 64 deliveries, 64 KiB; integers only)', () => {
    expect(resolveClusterBusOptions({ redis: 'r' })).toMatchObject({ publishBatchMax: 64, publishBatchBytes: 65536 });
    expect(resolveClusterBusOptions({ redis: 'r', publishBatchMax: 1, publishBatchBytes: 256 })).toMatchObject({
      publishBatchMax: 1,
      publishBatchBytes: 256,
    });
    for (const bad of [0, -1, 1.5, 65536, NaN, '8' as never]) {
      expect(() => resolveClusterBusOptions({ redis: 'r', publishBatchMax: bad })).toThrow(/publishBatchMax/);
    }
    for (const bad of [0, 255, 1e9, 1024.5, Infinity]) {
      expect(() => resolveClusterBusOptions({ redis: 'r', publishBatchBytes: bad })).toThrow(/publishBatchBytes/);
    }
  });
});

describe('ioredis loading', () => {
  it('names the missing package and how to install it', () => {
    const missing = (id: string) => {
      const e = new Error(`Cannot find module '${id}'`) as Error & { code: string };
      e.code = 'MODULE_NOT_FOUND';
      throw e;
    };
    expect(() => new RedisClusterBus({ redis: 'redis://x', requireFn: missing })).toThrow(
      MissingPeerDependencyError,
    );
    expect(() => loadIoredis(missing)).toThrow(/optional peer dependency 'ioredis'.*npm install ioredis/);
    try {
      loadIoredis(missing);
    } catch (e) {
      expect((e as MissingPeerDependencyError).code).toBe('STELAR_ERR_MISSING_PEER_DEPENDENCY');
      expect(((e as Error).cause as Error).message).toMatch(/Cannot find module 'ioredis'/);
    }
  });

  it('rejects a module that is not ioredis-shaped', () => {
    expect(() => loadIoredis(() => ({}))).toThrow(MissingPeerDependencyError);
  });

  it('finds the constructor in the real ioredis 6 module', () => {
    expect(typeof loadIoredis()).toBe('function');
  });

  it('constructing the bus does not connect anywhere', () => {
    const bus = new RedisClusterBus({ redis: 'redis://127.0.0.1:1', nodeId: 'n' });
    expect(bus.nodeId).toBe('n');
    expect(bus.clustered).toBe(true);
    expect(bus.running).toBe(false);
  });
});
