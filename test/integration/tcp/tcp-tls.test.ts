import * as tls from 'node:tls';
import { TcpServerTransport } from '../../../src/adapters/tcp/tcp-server-transport';
import { TcpClientTransportFactory, type TcpClientTransport } from '../../../src/adapters/tcp/tcp-client-transport';
import { TcpBinaryCodec } from '../../../src/adapters/codec/tcp-binary.codec';
import { MessageType, type StelarMessage } from '../../../src/domain/message';
import { CloseCode, StelarErrorCode as E } from '../../../src/domain/errors';
import { createTcpTestCertificate, type TestCertificate } from '../../helpers/tcp-tls-cert';
import { EchoAcceptor } from './echo-acceptor';
import { RawTcpClient } from './raw-tcp-client';
import { RecordingClientHandler, dialOptions, until } from './tcp-test-kit';

const codec = new TcpBinaryCodec();
let cert: TestCertificate;
let transport: TcpServerTransport;
let acceptor: EchoAcceptor;
let port: number;
const raws: RawTcpClient[] = [];
const clients: TcpClientTransport[] = [];

beforeAll(() => {
  cert = createTcpTestCertificate();
});

beforeEach(async () => {
  transport = new TcpServerTransport({
    port: 0,
    host: '127.0.0.1',
    tls: { key: cert.key, cert: cert.cert },
    connectTimeout: 2000,
    closeTimeout: 500,
  });
  acceptor = new EchoAcceptor();
  transport.setAcceptor(acceptor);
  port = await transport.listen();
});

afterEach(async () => {
  for (const r of raws.splice(0)) r.destroy();
  for (const c of clients.splice(0)) c.rawSocket.destroy();
  for (const conn of acceptor.accepted) conn.terminate();
  await transport.close();
});

function raw(): RawTcpClient {
  const r = new RawTcpClient(port, { tls: { ca: cert.cert, servername: 'localhost' } });
  raws.push(r);
  return r;
}

describe('binary TCP over TLS', () => {
  it('echoes messages over a verified TLS session', async () => {
    const c = raw();
    await c.connected;
    expect((c.socket as tls.TLSSocket).authorized).toBe(true);
    c.hello();
    const sent: StelarMessage = { type: MessageType.Binary, event: 'f', bytes: Uint8Array.of(1, 2, 3) };
    c.send(sent);
    const got = await c.waitFor(2);
    expect(got[0]).toMatchObject({ type: MessageType.Connect, clientId: 'c1' });
    expect(got[1]).toEqual(sent);
    expect(acceptor.accepted[0].socket).toBeInstanceOf(tls.TLSSocket);
    expect(acceptor.accepted[0].remoteAddress).toBe('127.0.0.1');
  });

  it('closes a TLS client that sends garbage while another keeps working', async () => {
    const good = raw();
    const bad = raw();
    good.hello();
    bad.hello();
    await Promise.all([good.waitFor(1), bad.waitFor(1)]);
    bad.socket.write(Uint8Array.of(0, 0, 0, 1, 0));
    await bad.closed;
    expect(bad.messages.slice(1)).toEqual([
      { type: MessageType.Error, code: E.InvalidFrame, message: expect.any(String) },
      { type: MessageType.Disconnect, code: CloseCode.ProtocolError, reason: expect.any(String) },
    ]);
    good.send({ type: MessageType.Event, event: 'ok', data: 1 });
    expect((await good.waitFor(2))[1]).toEqual({ type: MessageType.Event, event: 'ok', data: 1 });
  });

  it('the client transport dials TLS with rejectUnauthorized: false', async () => {
    const handler = new RecordingClientHandler();
    const t = new TcpClientTransportFactory().connect(
      dialOptions(`127.0.0.1:${port}`, { tls: true, rejectUnauthorized: false }),
      handler,
    ) as TcpClientTransport;
    clients.push(t);
    await until(() => handler.messages.length === 1);
    expect(t.rawSocket).toBeInstanceOf(tls.TLSSocket);
    t.send(codec.encode({ type: MessageType.Event, event: 'hi', data: [1] }));
    await until(() => handler.messages.length === 2);
    expect(handler.messages[1]).toEqual({ type: MessageType.Event, event: 'hi', data: [1] });
  });

  it('the client transport refuses a self-signed certificate with rejectUnauthorized: true', async () => {
    const handler = new RecordingClientHandler();
    const t = new TcpClientTransportFactory().connect(
      dialOptions(`tls://localhost:${port}`, { rejectUnauthorized: true }),
      handler,
    ) as TcpClientTransport;
    clients.push(t);
    await handler.closed;
    expect(handler.opened).toBe(0);
    expect(handler.errors[0].message).toMatch(/self.signed/i);
    expect(handler.closes[0].code).toBe(CloseCode.Abnormal);
    expect(acceptor.accepted).toHaveLength(0);
  });

  it('a plain-TCP client talking to the TLS port never gets accepted', async () => {
    const plain = new RawTcpClient(port);
    raws.push(plain);
    await plain.connected;
    plain.hello();
    await plain.closed;
    expect(acceptor.accepted).toHaveLength(0);
    // Screened (and counted) from its arrival, before the handshake that then failed.
    expect(acceptor.screened).toHaveLength(1);
  });
});
