import WebSocket from 'ws';
import { WsServerTransport } from '../../../src/adapters/websocket/ws-server-transport';
import { EchoAcceptor } from '../../helpers/ws-echo-acceptor';
import { RawWsClient } from '../../helpers/raw-ws-client';
import { rawFrame } from '../../helpers/ws-frames';
import { StelarErrorCode } from '../../../src/domain/errors';
import { HTTP_PARSERS } from '../../helpers/http-parsers';

describe.each(HTTP_PARSERS)('malformed input over a raw socket (httpParser %s)', (httpParser) => {
  let transport: WsServerTransport;
  let acceptor: EchoAcceptor;
  const raws: RawWsClient[] = [];
  const wsClients: WebSocket[] = [];

  beforeEach(async () => {
    transport = new WsServerTransport({ host: '127.0.0.1', httpParser, maxPayloadSize: 64 * 1024, closeTimeout: 1000 });
    acceptor = new EchoAcceptor();
    transport.setAcceptor(acceptor);
    await transport.listen();
  });

  afterEach(async () => {
    for (const r of raws) r.destroy();
    raws.length = 0;
    for (const c of wsClients) c.terminate();
    wsClients.length = 0;
    for (const c of acceptor.connections) c.terminate();
    await transport.close();
  });

  async function raw(): Promise<RawWsClient> {
    const r = await RawWsClient.connect(transport.port() as number, RawWsClient.request('/'));
    raws.push(r);
    await r.until(() => r.status === 101);
    return r;
  }

  const cases: Array<[string, Buffer, number, string]> = [
    ['unmasked frame', rawFrame({ opcode: 1, payload: 'x', mask: null }), 1002, StelarErrorCode.Unmasked],
    ['reserved opcode', rawFrame({ opcode: 5 }), 1002, StelarErrorCode.InvalidOpcode],
    ['RSV1 without extension', rawFrame({ opcode: 1, rsv: 4, payload: 'x' }), 1002, StelarErrorCode.UnexpectedRsv],
    ['invalid UTF-8', rawFrame({ opcode: 1, payload: Buffer.from([0xed, 0xa0, 0x80]) }), 1007, StelarErrorCode.InvalidUtf8],
    ['oversized frame header', rawFrame({ opcode: 2, payload: Buffer.alloc(70_000) }).subarray(0, 14), 1009, StelarErrorCode.FrameTooLarge],
    ['invalid close code', rawFrame({ opcode: 8, payload: Buffer.from([0x03, 0xec]) }), 1002, StelarErrorCode.InvalidCloseCode],
    ['1-byte close body', rawFrame({ opcode: 8, payload: Buffer.from([0x03]) }), 1002, StelarErrorCode.InvalidCloseCode],
    ['big ping', rawFrame({ opcode: 9, payload: Buffer.alloc(126) }), 1002, StelarErrorCode.InvalidControlFrame],
  ];

  it.each(cases)('%s → close %i while another connection keeps working', async (...row) => {
    const [, bytes, closeCode, errorCode] = row;
    const healthy = new WebSocket(`ws://127.0.0.1:${transport.port()}/`);
    wsClients.push(healthy);
    await new Promise((r) => healthy.once('open', r));

    const bad = await raw();
    bad.socket.write(bytes);
    await bad.until(() => bad.closeCode() !== null && bad.ended);
    expect(bad.closeCode()).toBe(closeCode);
    await acceptor.until(() => acceptor.errors.length === 1 && acceptor.closed.length === 1);
    expect(acceptor.errors[0].code).toBe(errorCode);
    expect(acceptor.closed[0].code).toBe(closeCode);

    const echoed = new Promise<string>((r) => healthy.once('message', (d) => r(d.toString())));
    healthy.send('still here');
    expect(await echoed).toBe('still here');
  });

  it('echoes a valid close code and closes the TCP connection', async () => {
    const c = await raw();
    c.socket.write(rawFrame({ opcode: 8, payload: Buffer.concat([Buffer.from([0x0f, 0xa1]), Buffer.from('bye')]) }));
    await c.until(() => c.closed);
    expect(c.closeCode()).toBe(4001);
    await acceptor.until(() => acceptor.closed.length === 1);
    expect(acceptor.closed[0]).toMatchObject({ code: 4001, reason: 'bye' });
    expect(acceptor.errors).toEqual([]);
  });

  it('answers an empty close with an empty close (1005 locally)', async () => {
    const c = await raw();
    c.socket.write(rawFrame({ opcode: 8, payload: '' }));
    await c.until(() => c.closed);
    expect(c.closeCode()).toBe(1005);
    await acceptor.until(() => acceptor.closed.length === 1);
    expect(acceptor.closed[0].code).toBe(1005);
  });

  it('destroys the socket after closeTimeout when the peer never answers our close', async () => {
    const c = await raw();
    await acceptor.until(() => acceptor.connections.length === 1);
    acceptor.connections[0].close(1000, 'bye');
    await c.until(() => c.closeCode() === 1000);
    // the raw peer does not answer; the server gives up after closeTimeout (1 s)
    await c.until(() => c.closed, 4000);
    await acceptor.until(() => acceptor.closed.length === 1);
    expect(acceptor.closed[0].code).toBe(1000);
  });

  it('treats an abrupt disconnect as 1006 and reports onClose once', async () => {
    const c = await raw();
    await acceptor.until(() => acceptor.connections.length === 1);
    c.socket.destroy();
    await acceptor.until(() => acceptor.closed.length === 1);
    expect(acceptor.closed[0].code).toBe(1006);
    await new Promise((r) => setTimeout(r, 50));
    expect(acceptor.closed.length).toBe(1);
  });

  it('delivers messages sent in the same TCP chunk as the upgrade request', async () => {
    const r = await RawWsClient.connect(
      transport.port() as number,
      Buffer.concat([Buffer.from(RawWsClient.request('/')), rawFrame({ opcode: 1, payload: 'early' })]),
    );
    raws.push(r);
    await r.until(() => r.sink.events.length === 1);
    expect(r.sink.events[0]).toEqual({ kind: 'message', payload: Buffer.from('early'), binary: false });
  });
});
