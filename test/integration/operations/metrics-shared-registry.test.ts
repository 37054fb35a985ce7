import { ServerKit, until } from '../../helpers/server-kit';
import { StelarClient, type StelarServer } from '../../../src';
import { promValue } from '../../helpers/prom-text';

// Stelar's counters and gauges are metric objects read at scrape time (no prom-client Counter
// per metric): two servers of one namespace on one user registry still render one series per
// label set, summed, so the exposition stays valid.
describe('metrics on a shared registry', () => {
  const kit = new ServerKit();
  const clients: StelarClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await kit.teardown();
  });

  async function connect(server: StelarServer): Promise<void> {
    const c = new StelarClient(`ws://127.0.0.1:${server.getPort()}/same`, { reconnection: false, logger: 'silent' });
    clients.push(c);
    await new Promise<void>((resolve) => c.once('connect', () => resolve()).connect());
  }

  it('sums the series of two servers with the same namespace', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const prom = require('prom-client') as typeof import('prom-client');
    const register = new prom.Registry();
    const a = await kit.server({ metrics: { register }, namespace: '/same', tcpPort: false });
    const b = await kit.server({ metrics: { register }, namespace: '/same', tcpPort: false });
    await connect(a);
    await connect(b);
    await connect(b);
    await until(() => a.getStats().activeConnections === 1 && b.getStats().activeConnections === 2);
    const text = await register.metrics();
    const series = text.split('\n').filter((l) => l.startsWith('stelar_connections_opened_total{'));
    expect(series.filter((l) => l.includes('protocol="ws"'))).toHaveLength(1);
    expect(promValue(text, 'stelar_connections_opened_total', { namespace: '/same', protocol: 'ws' })).toBe(3);
    expect(promValue(text, 'stelar_connections', { namespace: '/same', protocol: 'ws' })).toBe(3);
    expect(text.split('\n').filter((l) => l.startsWith('stelar_rooms{'))).toHaveLength(1);
  });
});
