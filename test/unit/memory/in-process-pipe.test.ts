import { InProcessConnection } from '../../../src/adapters/memory/in-process.pipe';
import type { ClientTransportHandler } from '../../../src/ports/client-transport.port';
import type { Connection, ConnectionHandler, OutboundMessage } from '../../../src/ports/connection.port';
import { FakeLogger } from '../../fakes/fake-logger';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const msg = (text: string): OutboundMessage => ({ payload: new TextEncoder().encode(text), binary: false, frameCache: undefined });
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

function link() {
  const log: string[] = [];
  const client: ClientTransportHandler = {
    onOpen: () => log.push('client open'),
    onMessage: (p) => log.push(`client got ${text(p)}`),
    onClose: (code, reason) => log.push(`client close ${code} ${reason}`),
    onError: (e) => log.push(`client error ${e.message}`),
  };
  const server: ConnectionHandler = {
    onMessage: (_c: Connection, p) => log.push(`server got ${text(p)}`),
    onProtocolError: () => log.push('server protocol error'),
    onPong: () => log.push('server pong'),
    onClose: (_c: Connection, code, reason) => log.push(`server close ${code} ${reason}`),
  };
  const logger = new FakeLogger();
  const conn = new InProcessConnection('10.1.1.1', { 'x-a': '1' }, client, logger);
  conn.setHandler(server);
  return { conn, log, logger, server };
}

describe('InProcessConnection (one in-process link)', () => {
  it('delivers each direction in order on a later turn, counting bytes in flight', async () => {
    const { conn, log } = link();
    expect(conn.send(msg('a'))).toBe(true);
    conn.send(msg('bc'));
    conn.client.send(msg('x'));
    expect(log).toEqual([]); // never synchronously
    expect(conn.bufferedAmount).toBe(3);
    expect(conn.client.bufferedAmount).toBe(1);
    await turn();
    expect(log).toEqual(['server got x', 'client got a', 'client got bc']);
    expect(conn.bufferedAmount).toBe(0);
    expect(conn.client.bufferedAmount).toBe(0);
    expect(conn).toMatchObject({ protocol: 'memory', remoteAddress: '10.1.1.1', socket: null, request: null, handshakeHeaders: { 'x-a': '1' } });
  });

  it('copies payloads at send time', async () => {
    const { conn, log } = link();
    const m = msg('abc');
    conn.send(m);
    m.payload.fill(0x7a);
    await turn();
    expect(log).toEqual(['client got abc']);
  });

  it('close(): queued messages first, then both ends hear the code once; later sends are refused', async () => {
    const { conn, log } = link();
    conn.send(msg('last'));
    conn.close(4001, 'bye');
    conn.close(4002, 'again');
    expect(conn.isOpen).toBe(false);
    expect(conn.send(msg('late'))).toBe(false);
    await turn();
    await turn();
    expect(log).toEqual(['client got last', 'client close 4001 bye', 'server close 4001 bye']);
  });

  it('a client close reaches the server after the client’s queued messages', async () => {
    const { conn, log } = link();
    conn.client.send(msg('q'));
    conn.client.close(1000, 'done');
    await turn();
    expect(log).toEqual(['server got q', 'client close 1000 done', 'server close 1000 done']);
  });

  it('terminate(): drops what is queued and reports 1006 to both ends', async () => {
    const { conn, log } = link();
    conn.send(msg('lost'));
    conn.client.send(msg('lost too'));
    conn.terminate();
    expect(conn.bufferedAmount).toBe(0);
    await turn();
    expect(log).toEqual(['client close 1006 ', 'server close 1006 ']);
  });

  it('ping(): the client end answers with onPong on the next turn', async () => {
    const { conn, log } = link();
    conn.ping();
    conn.ping();
    await turn();
    expect(log).toEqual(['server pong']);
  });

  it('a throwing handler is logged and does not stop the other deliveries', async () => {
    const { conn, log, logger, server } = link();
    let first = true;
    server.onMessage = (_c, p) => {
      if (first) {
        first = false;
        throw new Error('handler bug');
      }
      log.push(`server got ${text(p)}`);
    };
    conn.client.send(msg('1'));
    conn.client.send(msg('2'));
    await turn();
    expect(log).toEqual(['server got 2']);
    expect(logger.lines.filter((l) => l.level === 'error').map((l) => l.message).join('\n')).toMatch(/handler bug/);
  });
});
