import { EXAMPLES, normalise } from './message-arbitraries';
import type * as WsCodecModule from '../../../src/adapters/codec/ws-json.codec';
import type * as Utf8Module from '../../../src/adapters/codec/utf8';

// The WebSocket codec ships in the browser bundle, where there is no Buffer: load it with the
// global Buffer hidden so utf8.ts takes its TextEncoder/TextDecoder path.
function loadWithoutBuffer(): { ws: typeof WsCodecModule; utf8: typeof Utf8Module } {
  const g = globalThis as { Buffer?: unknown };
  const saved = g.Buffer;
  let loaded!: { ws: typeof WsCodecModule; utf8: typeof Utf8Module };
  jest.isolateModules(() => {
    g.Buffer = undefined;
    try {
      loaded = {
        ws: require('../../../src/adapters/codec/ws-json.codec'),
        utf8: require('../../../src/adapters/codec/utf8'),
      };
    } finally {
      g.Buffer = saved;
    }
  });
  return loaded;
}

describe('codec without a global Buffer (browser path)', () => {
  const { ws, utf8 } = loadWithoutBuffer();

  it('allocates plain Uint8Arrays', () => {
    const bytes = utf8.allocBytes(4);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(bytes)).toBe(false);
    expect(Buffer.isBuffer(utf8.encodeUtf8('x'))).toBe(false);
  });

  it('counts and writes UTF-8 like Buffer does', () => {
    for (const s of ['', 'abc', 'é€', '🚀x', 'a\ud800', '\udc00b', 'x'.repeat(300)]) {
      expect(utf8.utf8Length(s)).toBe(Buffer.byteLength(s));
      const out = utf8.allocBytes(utf8.utf8Length(s) + 2);
      const n = utf8.writeUtf8(out, s, 2);
      expect(n).toBe(Buffer.byteLength(s));
      expect(Buffer.from(out.subarray(2)).equals(Buffer.from(s))).toBe(true);
    }
  });

  it('round-trips every example through WsJsonCodec', () => {
    const codec = new ws.WsJsonCodec();
    for (const m of EXAMPLES) {
      const out = codec.encode(m);
      expect(Buffer.isBuffer(out.payload)).toBe(false);
      expect(normalise(codec.decode(out.payload, out.binary))).toEqual(normalise(m));
    }
  });

  it('still rejects invalid UTF-8', () => {
    const codec = new ws.WsJsonCodec();
    expect(() => codec.decode(Uint8Array.of(0x22, 0xff, 0x22), false)).toThrow(/UTF-8/);
  });
});
