import { WsServerTransport } from '../../../src/adapters/websocket/ws-server-transport';
import { EchoAcceptor } from '../../helpers/ws-echo-acceptor';
import { RawWsClient } from '../../helpers/raw-ws-client';
import { rawFrame } from '../../helpers/ws-frames';
import { HTTP_PARSERS } from '../../helpers/http-parsers';

// Autobahn fuzzingclient-style cases (by category) driven over a raw socket against the echo
// configuration, checking the exact frames the server answers with.
describe.each(HTTP_PARSERS)('conformance cases against an echo acceptor (httpParser %s)', (httpParser) => {
  let transport: WsServerTransport;
  let acceptor: EchoAcceptor;
  const raws: RawWsClient[] = [];

  beforeEach(async () => {
    transport = new WsServerTransport({
      host: '127.0.0.1',
      httpParser,
      maxPayloadSize: 16 * 1024 * 1024,
      maxFragments: 65536,
      closeTimeout: 2000,
    });
    acceptor = new EchoAcceptor();
    transport.setAcceptor(acceptor);
    await transport.listen();
  });

  afterEach(async () => {
    for (const r of raws) r.destroy();
    raws.length = 0;
    for (const c of acceptor.connections) c.terminate();
    await transport.close();
  });

  async function open(): Promise<RawWsClient> {
    const r = await RawWsClient.connect(transport.port() as number, RawWsClient.request('/'));
    raws.push(r);
    await r.until(() => r.status === 101);
    return r;
  }

  function kinds(r: RawWsClient): string[] {
    return r.sink.events.map((e) => (e.kind === 'message' ? `${e.binary ? 'bin' : 'text'}:${e.payload.length}` : e.kind === 'close' ? `close:${e.code}` : e.kind));
  }

  it('2.x: ten pings in one write get ten pongs with the same payloads', async () => {
    const r = await open();
    const pings = Array.from({ length: 10 }, (_, i) => rawFrame({ opcode: 9, payload: Buffer.alloc(125, i) }));
    r.socket.write(Buffer.concat(pings));
    await r.until(() => r.sink.events.length === 10);
    r.sink.events.forEach((e, i) => {
      expect(e.kind).toBe('pong');
      if (e.kind === 'pong') expect(e.data.equals(Buffer.alloc(125, i))).toBe(true);
    });
  });

  it('3.x: a valid message, then a frame with RSV set, then a ping: echo, then 1002, no pong', async () => {
    const r = await open();
    r.socket.write(
      Buffer.concat([
        rawFrame({ opcode: 1, payload: 'Hello, world!' }),
        rawFrame({ opcode: 1, rsv: 2, payload: 'Hello, world!' }),
        rawFrame({ opcode: 9, payload: 'Hello, world!' }),
      ]),
    );
    await r.until(() => r.closed);
    expect(kinds(r)).toEqual(['text:13', 'close:1002']);
  });

  it('5.x: fragmented message with pings in between: pongs first, then the echo', async () => {
    const r = await open();
    r.socket.write(
      Buffer.concat([
        rawFrame({ opcode: 1, fin: false, payload: 'frag1' }),
        rawFrame({ opcode: 9, payload: 'a' }),
        rawFrame({ opcode: 0, fin: false, payload: 'frag2' }),
        rawFrame({ opcode: 9, payload: 'b' }),
        rawFrame({ opcode: 0, payload: 'frag3' }),
      ]),
    );
    await r.until(() => r.sink.events.length === 3);
    expect(kinds(r)).toEqual(['pong', 'pong', 'text:15']);
  });

  it('5.x: each frame sent in its own write with pauses still reassembles', async () => {
    const r = await open();
    for (const f of [
      rawFrame({ opcode: 2, fin: false, payload: Buffer.alloc(10, 1) }),
      rawFrame({ opcode: 0, fin: false, payload: Buffer.alloc(10, 2) }),
      rawFrame({ opcode: 0, payload: Buffer.alloc(10, 3) }),
    ]) {
      r.socket.write(f);
      await new Promise((res) => setTimeout(res, 20));
    }
    await r.until(() => r.sink.events.length === 1);
    expect(kinds(r)).toEqual(['bin:30']);
  });

  it('5.x: a continuation after a final frame is a protocol error', async () => {
    const r = await open();
    r.socket.write(Buffer.concat([rawFrame({ opcode: 1, payload: 'done' }), rawFrame({ opcode: 0, payload: 'late' })]));
    await r.until(() => r.closed);
    expect(kinds(r)).toEqual(['text:4', 'close:1002']);
  });

  it('6.x: a multi-byte text split into 1-byte fragments is echoed intact', async () => {
    const r = await open();
    const text = Buffer.from('κόσμε 𝄞 €');
    const frames = Array.from(text, (b, i) => rawFrame({ opcode: i === 0 ? 1 : 0, fin: i === text.length - 1, payload: Buffer.from([b]) }));
    r.socket.write(Buffer.concat(frames));
    await r.until(() => r.sink.events.length === 1);
    const e = r.sink.events[0];
    expect(e.kind === 'message' && e.payload.toString()).toBe('κόσμε 𝄞 €');
  });

  it('6.x: invalid UTF-8 in the middle fragment closes with 1007 before the last fragment', async () => {
    const r = await open();
    r.socket.write(Buffer.concat([rawFrame({ opcode: 1, fin: false, payload: 'κόσμε' }), rawFrame({ opcode: 0, fin: false, payload: Buffer.from([0xed, 0xa0, 0x80]) })]));
    await r.until(() => r.closed);
    expect(kinds(r)).toEqual(['close:1007']);
  });

  it('7.x: data after a close frame is ignored; the close is echoed and TCP closed', async () => {
    const r = await open();
    r.socket.write(Buffer.concat([rawFrame({ opcode: 8, payload: Buffer.from([0x03, 0xe8]) }), rawFrame({ opcode: 1, payload: 'ignored' })]));
    await r.until(() => r.closed);
    expect(kinds(r)).toEqual(['close:1000']);
    expect(acceptor.messages).toEqual([]);
  });

  it('7.x: a close reason of exactly 123 bytes is valid and echoed with the code', async () => {
    const r = await open();
    r.socket.write(rawFrame({ opcode: 8, payload: Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.alloc(123, 0x2a)]) }));
    await r.until(() => r.closed);
    expect(kinds(r)).toEqual(['close:1000']);
  });

  it('9.x: a 4 MiB binary message in 64-byte fragments is echoed whole', async () => {
    const r = await open();
    const body = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = i & 0xff;
    const frames: Buffer[] = [];
    for (let off = 0; off < body.length; off += 64) {
      frames.push(rawFrame({ opcode: off === 0 ? 2 : 0, fin: off + 64 >= body.length, payload: body.subarray(off, off + 64) }));
    }
    r.socket.write(Buffer.concat(frames));
    await r.until(() => r.sink.events.length === 1, 15_000);
    const e = r.sink.events[0];
    expect(e.kind === 'message' && e.payload.equals(body)).toBe(true);
  });
});
