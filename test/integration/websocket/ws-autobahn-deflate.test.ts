import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { WsServerTransport } from '../../../src/adapters/websocket/ws-server-transport';
import { EchoAcceptor } from '../../helpers/ws-echo-acceptor';
import { RawWsClient } from '../../helpers/raw-ws-client';
import { rawFrame } from '../../helpers/ws-frames';
import { ECHO_EXAMPLE_OPTIONS, serverFails } from './autobahn-peer';

interface Combo {
  readonly name: string;
  readonly offer: WebSocket.PerMessageDeflateOptions;
  /** The exact Sec-WebSocket-Extensions the server must answer with. */
  readonly agreed: string;
}

// Autobahn 13.x: the offer parameter combinations the fuzzingclient makes (ws as the client,
// compressing every message: threshold 0), and the exact response each must get.
const COMBOS: Combo[] = [
  { name: '13.1 defaults', offer: {}, agreed: 'permessage-deflate' },
  { name: '13.2 client_no_context_takeover', offer: { clientNoContextTakeover: true }, agreed: 'permessage-deflate; client_no_context_takeover' },
  { name: '13.2 server_no_context_takeover', offer: { serverNoContextTakeover: true }, agreed: 'permessage-deflate; server_no_context_takeover' },
  {
    name: '13.2 both no_context_takeover',
    offer: { clientNoContextTakeover: true, serverNoContextTakeover: true },
    agreed: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
  },
  { name: '13.3 client_max_window_bits=8', offer: { clientMaxWindowBits: 8 }, agreed: 'permessage-deflate; client_max_window_bits=8' },
  { name: '13.3 client_max_window_bits=9', offer: { clientMaxWindowBits: 9 }, agreed: 'permessage-deflate; client_max_window_bits=9' },
  { name: '13.4 client_max_window_bits=15', offer: { clientMaxWindowBits: 15 }, agreed: 'permessage-deflate' },
  { name: '13.3 server_max_window_bits=8', offer: { serverMaxWindowBits: 8 }, agreed: 'permessage-deflate; server_max_window_bits=8' },
  {
    name: '13.5 server_max_window_bits=8 with server_no_context_takeover',
    offer: { serverNoContextTakeover: true, serverMaxWindowBits: 8 },
    agreed: 'permessage-deflate; server_no_context_takeover; server_max_window_bits=8',
  },
  { name: '13.3 server_max_window_bits=9', offer: { serverMaxWindowBits: 9 }, agreed: 'permessage-deflate; server_max_window_bits=9' },
  { name: '13.4 server_max_window_bits=15', offer: { serverMaxWindowBits: 15 }, agreed: 'permessage-deflate' },
  {
    name: '13.5/13.6 window bits 9 with both no_context_takeover',
    offer: { clientNoContextTakeover: true, serverNoContextTakeover: true, clientMaxWindowBits: 9, serverMaxWindowBits: 9 },
    agreed: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=9',
  },
  {
    name: '13.5/13.6 client window 8, server window 15, client no_context_takeover',
    offer: { clientNoContextTakeover: true, clientMaxWindowBits: 8, serverMaxWindowBits: 15 },
    agreed: 'permessage-deflate; client_no_context_takeover; client_max_window_bits=8',
  },
];

// Autobahn 12.x sizes; each size sent several times so context takeover is exercised.
const SIZES = [0, 1, 16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072];
const REPEAT = 3;

const LOREM = Buffer.from('Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. κόσμε € 𝄞 ');

/** RFC 7692 §7.2.1: raw DEFLATE with the trailing 00 00 ff ff of a sync flush removed. */
function compress(data: Buffer): Buffer {
  const out = zlib.deflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

/** Compressible UTF-8 text of exactly `n` bytes (cut on a character boundary, padded ASCII). */
function loremText(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n, 0x20);
  let off = 0;
  while (off + LOREM.length <= n) {
    LOREM.copy(b, off);
    b[off] = 0x41 + ((seed + off) % 26); // vary the text so messages are not all identical
    off += LOREM.length;
  }
  return b;
}

describe('Autobahn 12.x / 13.x permessage-deflate against the echo configuration', () => {
  let transport: WsServerTransport;
  let acceptor: EchoAcceptor;
  const clients: WebSocket[] = [];

  beforeAll(async () => {
    // threshold 0: the server compresses every echo too, tiny ones included.
    transport = new WsServerTransport({ ...ECHO_EXAMPLE_OPTIONS, compression: { threshold: 0 } });
    acceptor = new EchoAcceptor();
    transport.setAcceptor(acceptor);
    await transport.listen();
  });

  afterEach(() => {
    for (const c of clients) c.terminate();
    clients.length = 0;
  });

  afterAll(async () => {
    for (const c of acceptor.connections) c.terminate();
    await transport.close();
  });

  for (const combo of COMBOS) {
    it(`${combo.name}: agreed exactly, text/binary/random of every 12.x size echoed byte-exact`, async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${transport.port()}/`, { perMessageDeflate: { ...combo.offer, threshold: 0 } });
      clients.push(ws);
      const upgrade = new Promise<IncomingMessage>((resolve) => ws.once('upgrade', resolve));
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const res = await upgrade;
      expect(res.headers['sec-websocket-extensions']).toBe(combo.agreed);
      const bytesBefore = res.socket.bytesRead;

      const sent: Array<{ body: Buffer; binary: boolean }> = [];
      for (const n of SIZES) {
        for (let k = 0; k < REPEAT; k++) {
          sent.push({ body: loremText(n, k), binary: false });
          sent.push({ body: randomBytes(n), binary: true });
          sent.push({ body: loremText(n, k + 7), binary: true });
        }
      }
      const received: Array<{ body: Buffer; binary: boolean }> = [];
      const done = new Promise<void>((resolve) =>
        ws.on('message', (data, isBinary) => {
          received.push({ body: data as Buffer, binary: isBinary });
          if (received.length === sent.length) resolve();
        }),
      );
      for (const m of sent) ws.send(m.body, { binary: m.binary, compress: true });
      await done;
      received.forEach((m, i) => {
        expect(m.binary).toBe(sent[i].binary);
        expect(m.body.equals(sent[i].body)).toBe(true);
      });
      // The echoes came back compressed (the lorem text shrinks, random bytes cannot), except
      // with an agreed 8-bit server window, which zlib cannot honour: then nothing is compressed.
      const randomBytesTotal = sent.filter((m, i) => i % 3 === 1).reduce((a, m) => a + m.body.length, 0);
      const loremTotal = sent.filter((m, i) => i % 3 !== 1).reduce((a, m) => a + m.body.length, 0);
      const wire = res.socket.bytesRead - bytesBefore;
      if (combo.offer.serverMaxWindowBits === 8) expect(wire).toBeGreaterThan(randomBytesTotal + loremTotal);
      else expect(wire).toBeLessThan(randomBytesTotal * 1.01 + loremTotal / 4);

      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      const serverClosed = acceptor.closed.length;
      ws.close(1000);
      expect(await closed).toBe(1000);
      await acceptor.until(() => acceptor.closed.length === serverClosed + 1);
      expect(acceptor.closed[serverClosed].code).toBe(1000);
    });
  }

  it('13.7: several offers: unacceptable ones are skipped, the first acceptable one is agreed', async () => {
    const offers = [
      'permessage-deflate; server_max_window_bits=7',
      'permessage-deflate; client_max_window_bits=16',
      'permessage-deflate; unknown_param',
      'permessage-deflate; client_no_context_takeover; client_max_window_bits',
      'permessage-deflate',
    ].join(', ');
    const r = await RawWsClient.connect(transport.port() as number, RawWsClient.request('/', { 'Sec-WebSocket-Extensions': offers }));
    try {
      await r.until(() => r.status === 101);
      expect(r.responseHead).toMatch(/\r\nSec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover(\r\n|$)/i);
    } finally {
      r.destroy();
    }
  });

  it('13.3: with an agreed 8-bit server window echoes go out uncompressed (RSV1 clear), 9 bits compresses', async () => {
    const body = loremText(4096, 1);
    const verdicts: string[] = [];
    for (const bits of [8, 9]) {
      const r = await RawWsClient.connect(
        transport.port() as number,
        RawWsClient.request('/', { 'Sec-WebSocket-Extensions': `permessage-deflate; server_max_window_bits=${bits}` }),
      );
      try {
        await r.until(() => r.status === 101);
        r.socket.write(rawFrame({ opcode: 1, payload: body }));
        // The raw client negotiated nothing on its side: a compressed (RSV1) echo is an error to it.
        await r.until(() => r.sink.events.length > 0);
        const e = r.sink.events[0];
        verdicts.push(e.kind === 'message' && e.payload.equals(body) ? 'plain echo' : e.kind);
      } finally {
        r.destroy();
      }
    }
    expect(verdicts).toEqual(['plain echo', 'error']);
  });

  it('7.1.6 with compression: echoes still being compressed go out before the close echo', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${transport.port()}/`, { perMessageDeflate: { threshold: 0 } });
    clients.push(ws);
    await new Promise((resolve) => ws.once('open', resolve));
    const bodies = Array.from({ length: 40 }, (_, i) => loremText(65536, i));
    const got: Buffer[] = [];
    ws.on('message', (d) => got.push(d as Buffer));
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    for (const b of bodies) ws.send(b, { binary: true });
    ws.close(1000);
    expect(await closed).toBe(1000);
    expect(got.length).toBe(bodies.length);
    got.forEach((g, i) => expect(g.equals(bodies[i])).toBe(true));
  });

  it('12.x fragmented: a compressed message split into many fragments is echoed byte-exact', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${transport.port()}/`, { perMessageDeflate: { threshold: 0 } });
    clients.push(ws);
    await new Promise((resolve) => ws.once('open', resolve));
    const body = loremText(200_000, 3);
    const reply = new Promise<Buffer>((resolve) => ws.once('message', (d) => resolve(d as Buffer)));
    // ws compresses each fragment separately within one message (RSV1 on the first only).
    for (let off = 0; off < body.length; off += 16_384) {
      ws.send(body.subarray(off, off + 16_384), { binary: false, compress: true, fin: off + 16_384 >= body.length });
    }
    expect((await reply).equals(body)).toBe(true);
  });

  describe('12.x/13.x broken compressed input over a raw socket fails with the exact code', () => {
    const raws: RawWsClient[] = [];
    afterEach(() => {
      for (const r of raws) r.destroy();
      raws.length = 0;
    });
    async function openDeflate(): Promise<RawWsClient> {
      const r = await RawWsClient.connect(transport.port() as number, RawWsClient.request('/', { 'Sec-WebSocket-Extensions': 'permessage-deflate' }));
      raws.push(r);
      await r.until(() => r.status === 101);
      return r;
    }
    const cases: Array<[string, () => Buffer, number]> = [
      ['corrupt DEFLATE data', () => rawFrame({ opcode: 1, rsv: 4, payload: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00]) }), 1007],
      ['a compressed text that inflates to invalid UTF-8', () => rawFrame({ opcode: 1, rsv: 4, payload: compress(Buffer.from('cebae1bdb9cf83cebcceb5eda080', 'hex')) }), 1007],
      ['a compressed message inflating past 16 MiB', () => rawFrame({ opcode: 2, rsv: 4, payload: compress(Buffer.alloc(16 * 1024 * 1024 + 1)) }), 1009],
      ['RSV1 on a ping', () => rawFrame({ opcode: 9, rsv: 4, payload: compress(Buffer.from('ping')) }), 1002],
      [
        'RSV1 on a continuation frame',
        () => Buffer.concat([rawFrame({ opcode: 1, rsv: 4, fin: false, payload: compress(Buffer.from('a')) }), rawFrame({ opcode: 0, rsv: 4, payload: compress(Buffer.from('b')) })]),
        1002,
      ],
      ['RSV2 on a compressed text', () => rawFrame({ opcode: 1, rsv: 6, payload: compress(Buffer.from('x')) }), 1002],
    ];
    for (const [name, wire, code] of cases) {
      it(`${name} → ${code}, then the server closes TCP`, async () => {
        const r = await openDeflate();
        r.socket.write(wire());
        await serverFails(r, code);
        expect(r.sink.events.filter((e) => e.kind === 'message')).toEqual([]);
      });
    }
  });
});
