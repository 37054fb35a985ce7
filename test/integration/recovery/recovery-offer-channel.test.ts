import { StelarClient } from '../../../src';
import { DropProxy } from '../../helpers/drop-proxy';
import { ServerKit, until } from '../../helpers/server-kit';

// Where the Node client's resume offer travels (docs/PROTOCOL.md, "Session recovery"): over
// TCP in the hello's own `session` field, so middleware never sees the token in ctx.headers;
// over WebSocket as the `x-stelar-session` upgrade header (no extra round trip; documented as a
// header not to log). Both resume the same way after an abrupt drop.

interface ConnectInfo {
  recovered: boolean;
  reason?: string;
}

describe.each(['ws', 'tcp'] as const)('the resume offer of a Node client over %s', (mode) => {
  const kit = new ServerKit();
  const proxies: DropProxy[] = [];
  const clients: StelarClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    for (const p of proxies.splice(0)) await p.close();
    await kit.teardown();
  });

  it(mode === 'tcp' ? 'is not among the middleware headers (hello `session`)' : 'is the x-stelar-session upgrade header', async () => {
    const server = await kit.server({ recovery: true } as never);
    const seen: unknown[] = [];
    const custom: unknown[] = [];
    server.use((ctx, next) => {
      seen.push(ctx.headers['x-stelar-session']);
      custom.push(ctx.headers['x-app']);
      next();
    });
    const gone: string[] = [];
    server.onDisconnect((ctx) => gone.push(ctx.id));
    const proxy = await DropProxy.start(mode === 'ws' ? server.getPort() : server.getTcpPort()!);
    proxies.push(proxy);
    const client = new StelarClient(mode === 'ws' ? `ws://127.0.0.1:${proxy.port}/` : `127.0.0.1:${proxy.port}`, {
      mode,
      logger: 'silent',
      headers: { 'x-app': 'demo' },
      reconnectionDelay: 20,
      maxReconnectionDelay: 40,
    });
    clients.push(client);
    const connects: ConnectInfo[] = [];
    client.on('connect', (info: ConnectInfo) => connects.push(info));
    client.connect();
    await until(() => connects.length === 1, 5000, 'first connect');
    const id = client.getId()!;
    proxy.hold();
    proxy.cut();
    await until(() => gone.includes(id), 5000, 'drop noticed');
    proxy.release();
    await until(() => connects.length === 2, 5000, 'reconnect');
    expect(connects).toEqual([{ recovered: false }, { recovered: true }]);
    expect(client.getId()).toBe(id);
    expect(custom).toEqual(['demo', 'demo']); // the application's own headers still arrive
    if (mode === 'tcp') expect(seen).toEqual([undefined, undefined]);
    else {
      expect(seen[0]).toBe('{"v":1}');
      expect(JSON.parse(seen[1] as string)).toMatchObject({ v: 1, id, token: expect.any(String) });
    }
  });
});
