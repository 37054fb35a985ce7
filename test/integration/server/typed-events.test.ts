/**
 * The typed API end to end over real sockets (WebSocket and TCP): a server and clients typed by
 * the same event maps exchange events, a room message, a direct message, binary data and a
 * request whose answer type is checked by tsc; per-client data set in middleware is read back.
 * The compile-time side (negative cases) is test/types/typed-events.types.ts.
 */
import { StelarServer, StelarClient } from '../../../src';
import { MODES, type Mode } from '../../helpers/server-kit';

interface ClientToServer {
  chat: (msg: { text: string }) => void;
  join: (room: string) => void;
  dm: (msg: { to: string; text: string }) => void;
  avatar: (bytes: Buffer) => void;
  getUser: (q: { id: number }) => { id: number; name: string; role: string };
  sum: (nums: number[]) => Promise<number>;
}
interface ServerToClient {
  chat: (msg: { from: string; text: string }) => void;
  room: (msg: { room: string; text: string }) => void;
  dm: (msg: { from: string; text: string }) => void;
  avatarSize: (n: { bytes: number }) => void;
  echoBytes: (bytes: Uint8Array) => void;
}
interface ClientData {
  role: 'admin' | 'user';
}

type Server = StelarServer<ClientToServer, ServerToClient, ClientData>;
type Client = StelarClient<ServerToClient, ClientToServer>;

let server: Server;
const clients: Client[] = [];

beforeAll(async () => {
  server = new StelarServer<ClientToServer, ServerToClient, ClientData>({ port: 0, tcpPort: 0, logger: false, gracefulShutdown: false });
  server.use((ctx, next) => {
    ctx.setMetadata('role', ctx.headers['x-role'] === 'admin' ? 'admin' : 'user');
    next();
  });
  server.on('chat', (ctx) => ctx.broadcast('chat', { from: ctx.id, text: ctx.data.text }));
  server.on('join', (ctx) => {
    ctx.joinRoom(ctx.data);
  });
  server.on('dm', (ctx) => ctx.toId(ctx.data.to, 'dm', { from: ctx.id, text: ctx.data.text }));
  server.on('avatar', (ctx) => {
    ctx.emit('avatarSize', { bytes: ctx.data.byteLength });
    ctx.emitBinary('echoBytes', ctx.data);
  });
  server.onAck('getUser', (ctx) => ({ id: ctx.data.id, name: `user${ctx.data.id}`, role: ctx.getMetadata('role') ?? 'none' }));
  server.onAck('sum', async (ctx) => ctx.data.reduce((a, b) => a + b, 0));
  await server.start();
});

afterAll(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await server.stop();
});

async function connect(mode: Mode, headers: Record<string, string> = {}): Promise<Client> {
  const target = mode === 'ws' ? `ws://127.0.0.1:${server.getPort()}/` : `127.0.0.1:${server.getTcpPort()}`;
  const c = new StelarClient<ServerToClient, ClientToServer>(target, { mode, reconnection: false, logger: 'silent', headers });
  clients.push(c);
  await new Promise<void>((resolve, reject) => {
    c.once('error', reject);
    c.once('connect', () => {
      c.off('error', reject);
      resolve();
    });
    c.connect();
  });
  return c;
}

function nextOf<E extends 'chat' | 'room' | 'dm' | 'avatarSize' | 'echoBytes'>(
  c: Client,
  event: E,
): Promise<Parameters<ServerToClient[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${event}"`)), 3000);
    const listener = (data: Parameters<ServerToClient[E]>[0]): void => {
      clearTimeout(timer);
      resolve(data);
    };
    c.once(event, listener as never);
  });
}

describe.each(MODES)('typed events over %s', (mode) => {
  it('broadcasts, sends to a room and to one client, with the payloads of the maps', async () => {
    const a = await connect(mode);
    const b = await connect(mode === 'ws' ? 'tcp' : 'ws');
    const gotChat = nextOf(b, 'chat');
    a.emit('chat', { text: 'hello' });
    expect(await gotChat).toEqual({ from: a.getId(), text: 'hello' });

    const gotDm = nextOf(a, 'dm');
    b.emit('dm', { to: a.getId()!, text: 'psst' });
    expect(await gotDm).toEqual({ from: b.getId(), text: 'psst' });

    expect(await a.joinRoom('lobby')).toBe(true);
    const gotRoom = nextOf(a, 'room');
    server.to('lobby', 'room', { room: 'lobby', text: 'for members' });
    expect(await gotRoom).toEqual({ room: 'lobby', text: 'for members' });
  });

  it('answers typed requests, sync and async, reading the typed per-client data', async () => {
    const user = await connect(mode);
    const admin = await connect(mode, { 'x-role': 'admin' });
    const u = await user.request('getUser', { id: 7 });
    // `u` is { id: number; name: string; role: string } for tsc; checked at run time here.
    expect(u).toEqual({ id: 7, name: 'user7', role: 'user' });
    expect((await admin.request('getUser', { id: 1 })).role).toBe('admin');
    const total: number = await user.request('sum', [1, 2, 3.5]);
    expect(total).toBe(6.5);
  });

  it('carries typed binary events both ways', async () => {
    const c = await connect(mode);
    const size = nextOf(c, 'avatarSize');
    const echo = nextOf(c, 'echoBytes');
    c.emitBinary('avatar', new Uint8Array([1, 2, 3, 4, 5]));
    expect(await size).toEqual({ bytes: 5 });
    expect(Array.from(await echo)).toEqual([1, 2, 3, 4, 5]);
  });
});
