import * as zlib from 'node:zlib';
import {
  PerMessageDeflate,
  acceptClientResponse,
  clientOffer,
  negotiateServer,
  type DeflateParams,
} from '../../../src/adapters/websocket/permessage-deflate';
import { parseExtensions } from '../../../src/adapters/websocket/ws-extensions';
import { StelarErrorCode } from '../../../src/domain/errors';
import { makeReceiver, rawFrame } from '../../helpers/ws-frames';

function serverSide(offer: string, options = {}) {
  return negotiateServer(parseExtensions(offer), options);
}

describe('permessage-deflate negotiation (RFC 7692 §7.1)', () => {
  it.each([
    ['permessage-deflate', {}, 'permessage-deflate'],
    ['permessage-deflate; client_max_window_bits', {}, 'permessage-deflate'],
    ['permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 10 }, 'permessage-deflate; client_max_window_bits=10'],
    ['permessage-deflate; client_max_window_bits=9', { clientMaxWindowBits: 12 }, 'permessage-deflate; client_max_window_bits=9'],
    ['permessage-deflate; server_no_context_takeover', {}, 'permessage-deflate; server_no_context_takeover'],
    ['permessage-deflate; client_no_context_takeover', {}, 'permessage-deflate; client_no_context_takeover'],
    ['permessage-deflate', { serverNoContextTakeover: true }, 'permessage-deflate; server_no_context_takeover'],
    ['permessage-deflate', { clientNoContextTakeover: true }, 'permessage-deflate; client_no_context_takeover'],
    ['permessage-deflate; server_max_window_bits=10', {}, 'permessage-deflate; server_max_window_bits=10'],
    ['permessage-deflate; server_max_window_bits=12', { serverMaxWindowBits: 9 }, 'permessage-deflate; server_max_window_bits=9'],
    ['permessage-deflate', { serverMaxWindowBits: 11 }, 'permessage-deflate; server_max_window_bits=11'],
    // declined offers fall through to the next acceptable one
    ['permessage-deflate; server_max_window_bits=7, permessage-deflate', {}, 'permessage-deflate'],
    ['permessage-deflate; unknown_param, permessage-deflate; server_no_context_takeover', {}, 'permessage-deflate; server_no_context_takeover'],
    ['x-webkit-deflate-frame, permessage-deflate', {}, 'permessage-deflate'],
  ])('offer "%s" with %j → "%s"', (offer, options, response) => {
    expect(serverSide(offer, options)?.header).toBe(response);
  });

  it.each([
    'permessage-deflate; server_max_window_bits',
    'permessage-deflate; server_max_window_bits=16',
    'permessage-deflate; client_max_window_bits=7',
    'permessage-deflate; server_no_context_takeover=1',
    'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
    'permessage-deflate; foo=1',
    'x-other',
  ])('declines "%s"', (offer) => {
    expect(serverSide(offer)).toBeNull();
  });

  it('rejects invalid option values', () => {
    expect(() => negotiateServer([], { serverMaxWindowBits: 16 })).toThrow(RangeError);
    expect(() => negotiateServer([], { clientMaxWindowBits: 7 })).toThrow(RangeError);
  });

  it('client offer and response checking', () => {
    expect(clientOffer({})).toBe('permessage-deflate; client_max_window_bits');
    const params = acceptClientResponse(parseExtensions('permessage-deflate; server_no_context_takeover; client_max_window_bits=10'), {});
    expect(params).toEqual({
      serverNoContextTakeover: true,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 10,
    });
    expect(() => acceptClientResponse(parseExtensions('permessage-deflate; bogus'), {})).toThrow();
    expect(() => acceptClientResponse(parseExtensions('x-other'), {})).toThrow();
    expect(() => acceptClientResponse(parseExtensions('permessage-deflate, permessage-deflate'), {})).toThrow();
  });
});

const DEFAULT_PARAMS: DeflateParams = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};

function deflateRaw(data: Buffer): Buffer {
  const out = zlib.deflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

function waitFor(pred: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = (): void => {
      if (pred()) resolve();
      else if (Date.now() - started > 5000) reject(new Error('timeout'));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

describe('PerMessageDeflate', () => {
  const contexts: PerMessageDeflate[] = [];
  afterEach(() => {
    for (const c of contexts) c.close();
    contexts.length = 0;
  });
  function ctx(params = DEFAULT_PARAMS, max = 1 << 20, isServer = true): PerMessageDeflate {
    const c = new PerMessageDeflate(params, isServer, max, {});
    contexts.push(c);
    return c;
  }

  it('compresses so that a receiver inflates the same bytes, message after message', async () => {
    const sender = ctx(DEFAULT_PARAMS, 1 << 20, false);
    const deflate = ctx();
    const { receiver, sink } = makeReceiver({ deflate });
    const texts = ['hello hello hello', 'second message, hello again', '€'.repeat(500)];
    for (const t of texts) {
      const compressed = await new Promise<Buffer | null>((resolve) => sender.compress(Buffer.from(t), { onDeflated: resolve }));
      receiver.push(rawFrame({ opcode: 1, rsv: 4, payload: compressed as Buffer }));
      await waitFor(() => sink.events.length === texts.indexOf(t) + 1);
    }
    expect(sink.events.map((e) => (e.kind === 'message' ? e.payload.toString() : e.kind))).toEqual(texts);
  });

  it('reassembles a compressed message split over fragments with an interleaved ping', async () => {
    const deflate = ctx();
    const { receiver, sink } = makeReceiver({ deflate });
    const body = deflateRaw(Buffer.from('fragmented compressed text '.repeat(20)));
    const half = body.length >> 1;
    receiver.push(
      Buffer.concat([
        rawFrame({ opcode: 1, rsv: 4, fin: false, payload: body.subarray(0, half) }),
        rawFrame({ opcode: 9, payload: 'p' }),
        rawFrame({ opcode: 0, payload: body.subarray(half) }),
        rawFrame({ opcode: 2, payload: 'after' }),
      ]),
    );
    await waitFor(() => sink.events.length === 3);
    expect(sink.events.map((e) => e.kind)).toEqual(['ping', 'message', 'message']);
    expect(sink.events[1].kind === 'message' && sink.events[1].payload.toString()).toBe('fragmented compressed text '.repeat(20));
  });

  it('caps a compression bomb at maxPayloadSize with 1009 and bounded output', async () => {
    const deflate = ctx(DEFAULT_PARAMS, 64 * 1024);
    const { receiver, sink } = makeReceiver({ deflate, maxPayloadSize: 64 * 1024 });
    const bomb = deflateRaw(Buffer.alloc(50 * 1024 * 1024)); // ~50 kB → 50 MB
    expect(bomb.length).toBeLessThan(100_000);
    receiver.push(rawFrame({ opcode: 2, rsv: 4, payload: bomb }));
    await waitFor(() => sink.events.length === 1);
    const ev = sink.events[0];
    expect(ev.kind).toBe('error');
    if (ev.kind === 'error') {
      expect(ev.err.code).toBe(StelarErrorCode.PayloadTooLarge);
      expect(ev.err.closeCode).toBe(1009);
    }
  });

  it('fails with 1007 on corrupt compressed data', async () => {
    const deflate = ctx();
    const { receiver, sink } = makeReceiver({ deflate });
    receiver.push(rawFrame({ opcode: 2, rsv: 4, payload: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00]) }));
    await waitFor(() => sink.events.length === 1);
    const ev = sink.events[0];
    expect(ev.kind === 'error' && ev.err.closeCode).toBe(1007);
  });

  it('rejects RSV1 on a continuation or a control frame even with deflate', () => {
    const deflate = ctx();
    let r = makeReceiver({ deflate });
    r.receiver.push(rawFrame({ opcode: 9, rsv: 4, payload: '' }));
    expect(r.sink.events[0].kind === 'error' && r.sink.events[0].err.code).toBe(StelarErrorCode.UnexpectedRsv);
    r = makeReceiver({ deflate });
    r.receiver.push(
      Buffer.concat([rawFrame({ opcode: 2, fin: false, payload: 'a' }), rawFrame({ opcode: 0, rsv: 4, payload: 'b' })]),
    );
    expect(r.sink.events[0].kind === 'error' && r.sink.events[0].err.code).toBe(StelarErrorCode.UnexpectedRsv);
  });

  it('resets with server_no_context_takeover so output is identical per message', async () => {
    const c = ctx({ ...DEFAULT_PARAMS, serverNoContextTakeover: true });
    const data = Buffer.from('same text '.repeat(100));
    const a = (await new Promise<Buffer | null>((r) => c.compress(data, { onDeflated: r }))) as Buffer;
    const b = (await new Promise<Buffer | null>((r) => c.compress(data, { onDeflated: r }))) as Buffer;
    expect(a.equals(b)).toBe(true);
    const inflated = zlib.inflateRawSync(Buffer.concat([a, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    expect(inflated.equals(data)).toBe(true);
  });
});

describe('an agreed 8-bit window for our own compressor', () => {
  const params = (serverBits: number, clientBits: number): DeflateParams => ({
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: serverBits,
    clientMaxWindowBits: clientBits,
  });

  it('disables compression on the side whose window is 8 bits only (zlib cannot honour it)', () => {
    const cases: Array<[boolean, number, number, number]> = [
      [true, 8, 15, Number.POSITIVE_INFINITY],
      [true, 9, 8, 0],
      [false, 15, 8, Number.POSITIVE_INFINITY],
      [false, 8, 9, 0],
    ];
    for (const [isServer, serverBits, clientBits, threshold] of cases) {
      const pmd = new PerMessageDeflate(params(serverBits, clientBits), isServer, 1 << 20, { threshold: 0 });
      expect(pmd.threshold).toBe(threshold);
      pmd.close();
    }
  });
});
