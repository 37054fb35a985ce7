import { StelarClient } from '../../../src/client';
import { MessageType } from '../../../src/domain/message';
import { testCert } from '../../helpers/tls-cert';
import { StelarTcpEcho } from './stelar-tcp-echo';

// The Node StelarClient in mode 'tcp' (plain and TLS) against our TcpServerTransport with a tiny
// Stelar acceptor. Real sockets on 127.0.0.1.

const nextEvent = <T = unknown>(client: StelarClient, event: string): Promise<T> =>
  new Promise((resolve) => client.once(event, (a: T, b?: unknown) => resolve((b === undefined ? a : [a, b]) as T)));

describe('Node StelarClient over TCP', () => {
  const servers: StelarTcpEcho[] = [];
  const clients: StelarClient[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    for (const s of servers.splice(0)) await s.stop();
  });

  async function roundTrip(tls: boolean): Promise<void> {
    const srv = new StelarTcpEcho(tls ? testCert() : undefined);
    servers.push(srv);
    const port = await srv.start();
    const c = new StelarClient(`127.0.0.1:${port}`, { mode: 'tcp', tls, rejectUnauthorized: false, headers: { 'x-token': 't' }, logger: 'silent' });
    clients.push(c);
    expect(c.getUrl()).toBe(`${tls ? 'tls' : 'tcp'}://127.0.0.1:${port}`);
    c.emit('early', 0); // queued until the server's Connect
    await new Promise<void>((resolve) => c.connect(resolve));
    expect(c.getId()).toBe('t1');
    expect(srv.hellos[0]).toMatchObject({ type: MessageType.Connect, version: 1, headers: { 'x-token': 't' } });
    const echoed = nextEvent(c, 'chat');
    c.emit('chat', 'hi');
    await expect(echoed).resolves.toEqual({ echo: 'hi' });
    await expect(c.request('getUser', { id: 1 }, 'getUser')).resolves.toEqual({ echo: { id: 1 } });
    await expect(c.request('fail')).rejects.toThrow('handler failed');
    await expect(c.joinRoom('general')).resolves.toBe(true);
    await expect(c.joinRoom('vip')).resolves.toBe(false);
    const bin = nextEvent<[Buffer, unknown]>(c, 'image');
    await c.sendImage(Buffer.from([1, 2, 3]), { name: 'a.png', type: 'image/png' });
    const [bytes, meta] = await bin;
    expect([...bytes]).toEqual([1, 2, 3]);
    expect(meta).toEqual({ name: 'a.png', type: 'image/png', size: 3 });
    expect(srv.received.map((m) => m.type)).toEqual([
      MessageType.Event, // early (flushed after Connect)
      MessageType.Event,
      MessageType.AckRequest,
      MessageType.AckRequest,
      MessageType.JoinRoom,
      MessageType.JoinRoom,
      MessageType.Binary,
    ]);
  }

  it('plain TCP: hello with headers, events, requests, rooms, binary with metadata', () => roundTrip(false));
  it('TCP + TLS: the same over tls://', () => roundTrip(true));

  it('reconnects after the server restarts on the same port', async () => {
    const srv = new StelarTcpEcho();
    servers.push(srv);
    const port = await srv.start();
    const c = new StelarClient(port, { mode: 'tcp', reconnectionDelay: 20, maxReconnectionDelay: 50, logger: 'silent' });
    clients.push(c);
    await new Promise<void>((resolve) => c.connect(resolve));
    await c.joinRoom('general');
    const gone = nextEvent(c, 'disconnect');
    await srv.stop();
    servers.length = 0;
    await gone;
    const srv2 = new StelarTcpEcho(undefined, port);
    servers.push(srv2);
    const back = nextEvent(c, 'connect');
    await srv2.start();
    await back;
    expect(c.getId()).toBe('t1'); // a fresh server numbers from 1 again
    for (let i = 0; i < 100 && srv2.received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(srv2.received).toEqual([{ type: MessageType.JoinRoom, room: 'general', id: expect.any(Number) }]);
  });
});
