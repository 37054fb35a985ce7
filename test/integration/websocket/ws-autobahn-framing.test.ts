import { rawFrame } from '../../helpers/ws-frames';
import { AutobahnPeer, clientCloses, closePayload, kinds, payloadOf, serverFails, writeChopped } from './autobahn-peer';

// Autobahn fuzzingclient families 1.x (framing), 4.x (reserved opcodes) and 7.x (close
// handling) against the echo example's configuration, each with the strict expectation: a
// byte-exact echo or the exact close code, and the server closing TCP after the handshake.
describe('Autobahn 1.x / 4.x / 7.x against the echo configuration', () => {
  const peer = new AutobahnPeer();
  beforeEach(() => peer.start());
  afterEach(() => peer.stop());

  describe('1.x payload lengths', () => {
    const lengths = [0, 125, 126, 127, 128, 65535, 65536];
    for (const binary of [false, true]) {
      const family = binary ? '1.2' : '1.1';
      lengths.forEach((n, i) => {
        it(`${family}.${i + 1}: ${binary ? 'binary' : 'text'} of ${n} bytes is echoed byte-exact`, async () => {
          const r = await peer.open();
          const body = payloadOf(n, binary);
          r.socket.write(rawFrame({ opcode: binary ? 2 : 1, payload: body }));
          await r.until(() => r.sink.events.length === 1);
          const e = r.sink.events[0];
          expect(e.kind === 'message' && e.binary === binary && e.payload.equals(body)).toBe(true);
          await clientCloses(r, 1000, 1000);
        });
      });
      it(`${family}.8: ${binary ? 'binary' : 'text'} of 65536 bytes written in 997-byte TCP chunks`, async () => {
        const r = await peer.open();
        const body = payloadOf(65536, binary);
        await writeChopped(r, rawFrame({ opcode: binary ? 2 : 1, payload: body }), 997);
        await r.until(() => r.sink.events.length === 1);
        const e = r.sink.events[0];
        expect(e.kind === 'message' && e.binary === binary && e.payload.equals(body)).toBe(true);
        await clientCloses(r, 1000, 1000);
      });
    }
    it('1.x: a 16-bit length form carrying 5 bytes (non-minimal) is still accepted', async () => {
      const r = await peer.open();
      r.socket.write(rawFrame({ opcode: 1, payload: 'hello', lengthForm: 16 }));
      r.socket.write(rawFrame({ opcode: 2, payload: Buffer.from([1, 2]), lengthForm: 64 }));
      await r.until(() => r.sink.events.length === 2);
      expect(kinds(r)).toEqual(['text:5', 'bin:2']);
      await clientCloses(r, 1000, 1000);
    });
  });

  describe('4.x reserved opcodes', () => {
    const reserved = [3, 4, 5, 6, 7, 11, 12, 13, 14, 15];
    for (const op of reserved) {
      const family = op < 8 ? '4.1' : '4.2';
      it(`${family}: opcode ${op} without payload fails with 1002`, async () => {
        const r = await peer.open();
        r.socket.write(rawFrame({ opcode: op }));
        await serverFails(r, 1002);
        expect(kinds(r)).toEqual(['close:1002']);
      });
      it(`${family}: opcode ${op} with payload fails with 1002`, async () => {
        const r = await peer.open();
        r.socket.write(rawFrame({ opcode: op, payload: 'reserved opcode payload' }));
        await serverFails(r, 1002);
        expect(kinds(r)).toEqual(['close:1002']);
      });
      it(`${family}: text, opcode ${op}, ping in one write: echo, then 1002 and no pong`, async () => {
        const r = await peer.open();
        r.socket.write(
          Buffer.concat([
            rawFrame({ opcode: 1, payload: 'Hello, world!' }),
            rawFrame({ opcode: op, payload: op % 2 ? 'x' : '' }),
            rawFrame({ opcode: 9, payload: 'ping' }),
          ]),
        );
        await serverFails(r, 1002);
        expect(kinds(r)).toEqual(['text:13', 'close:1002']);
      });
    }
  });

  describe('7.x close handling', () => {
    it('7.1.1: echo then a clean close', async () => {
      const r = await peer.open();
      r.socket.write(rawFrame({ opcode: 1, payload: 'Hello World!' }));
      await r.until(() => r.sink.events.length === 1);
      await clientCloses(r, 1000, 1000);
      expect(kinds(r)).toEqual(['text:12', 'close:1000']);
    });

    it('7.1.2/7.1.3/7.1.4: a second close, a ping and a text after the close are all ignored', async () => {
      const r = await peer.open();
      r.socket.write(
        Buffer.concat([
          rawFrame({ opcode: 8, payload: closePayload(1000) }),
          rawFrame({ opcode: 8, payload: closePayload(1001) }),
          rawFrame({ opcode: 9, payload: 'ping' }),
          rawFrame({ opcode: 1, payload: 'after close' }),
        ]),
      );
      await r.until(() => r.closed);
      expect(r.ended).toBe(true);
      expect(kinds(r)).toEqual(['close:1000']);
      expect(peer.acceptor.messages).toEqual([]);
    });

    it('7.1.5: a close in the middle of a fragmented text ends it undelivered', async () => {
      const r = await peer.open();
      r.socket.write(rawFrame({ opcode: 1, fin: false, payload: 'fragment1' }));
      await clientCloses(r, 1000, 1000);
      r.socket.write(rawFrame({ opcode: 0, payload: 'fragment2' }));
      expect(kinds(r)).toEqual(['close:1000']);
      expect(peer.acceptor.messages).toEqual([]);
    });

    it('7.1.6: a large message then a close: the echo is sent before the close', async () => {
      const r = await peer.open();
      const body = payloadOf(256 * 1024, false);
      r.socket.write(Buffer.concat([rawFrame({ opcode: 1, payload: body }), rawFrame({ opcode: 9, payload: 'p' }), rawFrame({ opcode: 8, payload: closePayload(1000) })]));
      await r.until(() => r.closed);
      expect(r.ended).toBe(true);
      expect(kinds(r)).toEqual(['text:262144', 'pong', 'close:1000']);
    });

    it('7.3.1: an empty close is answered with an empty close', async () => {
      const r = await peer.open();
      await clientCloses(r, null, 1005);
    });

    it('7.3.2: a close with a 1-byte body fails with 1002', async () => {
      const r = await peer.open();
      r.socket.write(rawFrame({ opcode: 8, payload: Buffer.from([0x03]) }));
      await serverFails(r, 1002);
    });

    it('7.3.3/7.3.4/7.3.5: code only, code + reason, code + 123-byte reason are echoed', async () => {
      for (const reason of ['', 'Hello World!', '*'.repeat(123)]) {
        const r = await peer.open();
        await clientCloses(r, 1000, 1000, reason);
      }
    });

    it('7.3.6: a close with a 124-byte reason (126-byte body) fails with 1002', async () => {
      const r = await peer.open();
      r.socket.write(rawFrame({ opcode: 8, payload: closePayload(1000, '*'.repeat(124)) }));
      await serverFails(r, 1002);
    });

    it('7.5.1: a close reason that is not UTF-8 fails with 1007', async () => {
      const r = await peer.open();
      const invalid = Buffer.from('cebae1bdb9cf83cebcceb5eda080656469746564', 'hex');
      r.socket.write(rawFrame({ opcode: 8, payload: closePayload(1000, invalid) }));
      await serverFails(r, 1007);
    });

    // 7.7.x (Autobahn's list plus the IANA-registered 1012-1014 and the remaining 3xxx/4xxx edges).
    const valid = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
    for (const code of valid) {
      it(`7.7.x: valid close code ${code} is echoed and TCP closed by the server`, async () => {
        const r = await peer.open();
        await clientCloses(r, code, code);
        await peer.acceptor.until(() => peer.acceptor.closed.length === 1);
        expect(peer.acceptor.closed[0].code).toBe(code);
      });
    }

    // 7.9.x and 7.13.x: unused, reserved, never-on-the-wire and out-of-range codes.
    const invalid = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];
    for (const code of invalid) {
      it(`7.9.x/7.13.x: invalid close code ${code} fails with 1002`, async () => {
        const r = await peer.open();
        r.socket.write(rawFrame({ opcode: 8, payload: closePayload(code) }));
        await serverFails(r, 1002);
      });
    }
  });
});
