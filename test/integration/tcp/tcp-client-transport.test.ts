import { TcpServerTransport } from '../../../src/adapters/tcp/tcp-server-transport';
import { TcpClientTransportFactory, type TcpClientTransport } from '../../../src/adapters/tcp/tcp-client-transport';
import type { ClientDialOptions } from '../../../src/ports/client-transport.port';
import { TcpBinaryCodec } from '../../../src/adapters/codec/tcp-binary.codec';
import { MessageType, type StelarMessage } from '../../../src/domain/message';
import { CloseCode, StelarErrorCode as E } from '../../../src/domain/errors';
import { EchoAcceptor } from './echo-acceptor';
import { RecordingClientHandler, dialOptions, until } from './tcp-test-kit';

const codec = new TcpBinaryCodec();

const factory = new TcpClientTransportFactory({ closeTimeout: 500 });
let transport: TcpServerTransport;
let acceptor: EchoAcceptor;
let port: number;
const transports: TcpClientTransport[] = [];

function dial(extra: Partial<ClientDialOptions> = {}, url = `127.0.0.1:${port}`) {
  const handler = new RecordingClientHandler();
  const t = factory.connect(dialOptions(url, extra), handler) as TcpClientTransport;
  transports.push(t);
  return { t, handler };
}

beforeEach(async () => {
  transport = new TcpServerTransport({ port: 0, host: '127.0.0.1', closeTimeout: 500 });
  acceptor = new EchoAcceptor();
  transport.setAcceptor(acceptor);
  port = await transport.listen();
});

afterEach(async () => {
  for (const t of transports.splice(0)) t.rawSocket.destroy();
  for (const conn of acceptor.accepted) conn.terminate();
  await transport.close();
});

describe('TcpClientTransport against TcpServerTransport', () => {
  it('is the tcp factory', () => {
    expect(factory.protocol).toBe('tcp');
  });

  it('sends the hello with headers, opens, and exchanges messages', async () => {
    const { t, handler } = dial({ headers: { authorization: 'Bearer abc' } }, `tcp://127.0.0.1:${port}`);
    await until(() => handler.messages.length === 1);
    expect(handler.opened).toBe(1);
    expect(handler.messages[0]).toMatchObject({ type: MessageType.Connect, clientId: 'c1' });
    expect(acceptor.received[0]).toMatchObject({
      type: MessageType.Connect,
      version: 1,
      headers: { authorization: 'Bearer abc' },
    });
    const event: StelarMessage = { type: MessageType.Event, event: 'chat', data: { text: 'yo' } };
    const bin: StelarMessage = { type: MessageType.Binary, event: 'img', bytes: Uint8Array.of(7, 8) };
    t.send(codec.encode(event));
    t.send(codec.encode(bin));
    await until(() => handler.messages.length === 3);
    expect(handler.messages[1]).toEqual(event);
    expect(handler.messages[2]).toMatchObject({ type: MessageType.Binary, event: 'img' });
    expect(Array.from((handler.messages[2] as { bytes: Uint8Array }).bytes)).toEqual([7, 8]);
    expect(t.bufferedAmount).toBe(0);
  });

  it('sends the hello without headers when there are none', async () => {
    const { handler } = dial();
    await until(() => handler.messages.length === 1);
    expect(acceptor.received[0]).toEqual({
      type: MessageType.Connect,
      clientId: '',
      maxPayloadSize: 0,
      heartbeatInterval: 0,
      version: 1,
    });
  });

  it('answers server pings with Pong and still reports the Ping', async () => {
    const { handler } = dial();
    await until(() => handler.messages.length === 1);
    acceptor.accepted[0].ping();
    await until(() => acceptor.pongs === 1);
    expect(handler.messages[1]).toEqual({ type: MessageType.Ping });
  });

  it('reports the server close code and reason exactly once', async () => {
    const { handler } = dial();
    await until(() => handler.messages.length === 1);
    acceptor.accepted[0].close(4001, 'kicked');
    await handler.closed;
    await new Promise((r) => setTimeout(r, 20));
    expect(handler.closes).toEqual([{ code: 4001, reason: 'kicked' }]);
    expect(handler.messages.at(-1)).toEqual({ type: MessageType.Disconnect, code: 4001, reason: 'kicked' });
  });

  it('close() sends Disconnect to the server and reports its own code', async () => {
    const { t, handler } = dial();
    await until(() => handler.messages.length === 1);
    t.close(1000, 'bye');
    t.close(1000, 'twice');
    t.send(codec.encode({ type: MessageType.Ping }));
    await handler.closed;
    expect(handler.closes).toEqual([{ code: 1000, reason: 'bye' }]);
    await until(() => acceptor.closes.length === 1);
    expect(acceptor.closes[0]).toMatchObject({ code: 1000, reason: 'bye' });
    expect(() => t.close(-1, '')).toThrow(RangeError);
  });

  it('close() before the socket is up just drops it', async () => {
    const { t, handler } = dial();
    t.close(1000, 'never mind');
    await handler.closed;
    expect(handler.opened).toBe(0);
    expect(handler.closes).toEqual([{ code: 1000, reason: 'never mind' }]);
  });

  it('a refused connection reports onError then onClose 1006', async () => {
    const closedPort = port;
    await transport.close();
    const { handler } = dial({}, `127.0.0.1:${closedPort}`);
    await handler.closed;
    expect(handler.opened).toBe(0);
    expect(handler.errors[0].message).toMatch(/ECONNREFUSED/);
    expect(handler.closes).toEqual([{ code: CloseCode.Abnormal, reason: expect.stringMatching(/ECONNREFUSED/) }]);
  });

  it('a frame above the client maxFrameSize is a framing error: onError, then close 1009', async () => {
    const { handler } = dial({ maxFrameSize: 64, maxPayloadSize: 64 });
    await until(() => handler.messages.length === 1);
    acceptor.accepted[0].send(codec.encode({ type: MessageType.Event, event: 'big', data: 'x'.repeat(100) }));
    await handler.closed;
    expect((handler.errors[0] as { code?: string }).code).toBe(E.FrameTooLarge);
    expect(handler.closes[0].code).toBe(CloseCode.MessageTooBig);
    await until(() => acceptor.closes.length === 1);
    expect(acceptor.closes[0].code).toBe(CloseCode.MessageTooBig);
  });

  it('rejects malformed addresses synchronously', () => {
    expect(() => dial({}, 'nope')).toThrow(TypeError);
    expect(() => dial({}, 'ws://127.0.0.1:80')).toThrow(TypeError);
    expect(() => dial({}, '127.0.0.1:70000')).toThrow(TypeError);
  });

  it('encodes the hello and its Disconnect with the codec of its dial (the client registry), not its own', async () => {
    const encoded: MessageType[] = [];
    const injected = new TcpBinaryCodec();
    const encode = injected.encode.bind(injected);
    injected.encode = (m) => {
      encoded.push(m.type);
      return encode(m);
    };
    const { t, handler } = dial({ codec: injected });
    await until(() => handler.messages.length === 1);
    expect(encoded).toEqual([MessageType.Connect]);
    t.close(1000, 'bye');
    await handler.closed;
    expect(encoded).toEqual([MessageType.Connect, MessageType.Disconnect]);
    await until(() => acceptor.closes.length === 1);
    expect(acceptor.closes[0]).toMatchObject({ code: 1000, reason: 'bye' });
  });

  it('refuses a dial without a codec (the client core always injects one)', () => {
    expect(() => dial({ codec: undefined })).toThrow(/ClientDialOptions.codec/);
  });
});
