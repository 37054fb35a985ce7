import {
  StelarServer,
  StelarClient,
  inProcessTransport,
  type StelarContext,
} from '../../../src';
import { next, until } from '../../helpers/server-kit';

// A real StelarServer with only the in-process transport: no socket is opened anywhere.
let n = 0;
const servers: StelarServer[] = [];
const clients: StelarClient[] = [];

function server(options: ConstructorParameters<typeof StelarServer>[0] = {}, name = `mem-${process.pid}-${++n}`) {
  const s = StelarServer.create({ logger: false, gracefulShutdown: false, ...options }, { transports: [inProcessTransport({ name })] });
  servers.push(s);
  return { s, name };
}

function client(name: string, options: ConstructorParameters<typeof StelarClient>[1] = {}): StelarClient {
  const c = new StelarClient(`memory://${name}`, { mode: 'memory', reconnection: false, logger: 'silent', ...options });
  clients.push(c);
  return c;
}

async function connected(name: string, options?: ConstructorParameters<typeof StelarClient>[1]): Promise<StelarClient> {
  const c = client(name, options);
  const up = next(c, 'connect');
  c.connect();
  await up;
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('in-process transport', () => {
  it('serves a real server without sockets: protocol, stats and no port', async () => {
    const { s, name } = server({ port: 4321 });
    const protocols: string[] = [];
    s.onConnection((ctx: StelarContext) => void protocols.push(ctx.protocol));
    await s.start();
    const c = await connected(name);
    expect(c.getUrl()).toBe(`memory://${name}`);
    expect(protocols).toEqual(['memory']);
    expect(s.getTcpPort()).toBeNull();
    expect(s.getPort()).toBe(4321); // nothing listens: the configured port is reported as before start()
    const stats = s.getStats();
    expect(stats).toMatchObject({ activeConnections: 1, memoryConnections: 1, wsConnections: 0, tcpConnections: 0 });
    expect(s.getClients()).toEqual([{ id: c.getId(), rooms: [] }]);
  });

  it('fails a dial to a name nobody listens on like a refused connect', async () => {
    const c = client(`nobody-${process.pid}`);
    const errors: string[] = [];
    c.on('error', (e: unknown) => void errors.push(String(e)));
    c.connect();
    await until(() => errors.length === 2);
    expect(errors[0]).toMatch(/ECONNREFUSED: no in-process server listens on "nobody-/);
    expect(errors[1]).toMatch(/cannot connect to memory:\/\/nobody-/);
    expect(c.getState()).toBe('disconnected');
  });

  it('refuses a second server on the same name, and frees it on stop()', async () => {
    const { s, name } = server();
    await s.start();
    const { s: twin } = server({}, name);
    await expect(twin.start()).rejects.toThrow(/already in use/);
    const c = await connected(name);
    const down = next<{ code: number }>(c, 'disconnect');
    await s.stop();
    expect((await down).code).toBe(1001);
    const { s: again } = server({}, name);
    await again.start();
    await connected(name);
    expect(again.getStats().activeConnections).toBe(1);
  });

  it('copies bytes as a wire would: mutating a sent buffer afterwards changes nothing', async () => {
    const { s, name } = server();
    await s.start();
    const c = await connected(name);
    const got = next<Buffer>(c, 'blob');
    const bytes = Uint8Array.of(1, 2, 3);
    s.broadcastBinary('blob', bytes);
    bytes.fill(9);
    expect([...(await got)]).toEqual([1, 2, 3]);
  });

  it('answers transport pings: heartbeats keep an idle client alive', async () => {
    const { s, name } = server({ heartbeatInterval: 20, heartbeatTimeout: 60 });
    const infos: StelarContext['clientInfo'][] = [];
    s.onConnection((ctx) => void infos.push(ctx.clientInfo));
    await s.start();
    const c = await connected(name);
    await until(() => infos.length === 1);
    const first = infos[0].lastPing;
    // Pongs move lastPing on; three of them span the 60 ms timeout, so the ping was answered.
    await until(() => infos[0].lastPing >= first + 60, 3000, 'three heartbeats');
    expect(c.isConnected()).toBe(true);
    expect(s.getStats().activeConnections).toBe(1);
  });

  it('delivers what was sent before a server-side close first (Error, then close 1009)', async () => {
    const { s, name } = server();
    const closed: string[] = [];
    s.onDisconnect((ctx) => void closed.push(ctx.id));
    await s.start();
    const c = await connected(name);
    const id = c.getId();
    s.updateConfig({ maxPayloadSize: 64 }); // the client still believes the limit it was told
    const order: string[] = [];
    c.on('error', (e: unknown) => void order.push(`error ${String((e as { code?: string }).code ?? e)}`));
    const down = next<{ code: number }>(c, 'disconnect');
    c.emit('big', 'x'.repeat(200));
    const info = await down;
    order.push(`disconnect ${info.code}`);
    expect(order).toEqual(['error STELAR_ERR_PAYLOAD_TOO_LARGE', 'disconnect 1009']);
    await until(() => closed.length === 1);
    expect(closed).toEqual([id]);
  });
});
