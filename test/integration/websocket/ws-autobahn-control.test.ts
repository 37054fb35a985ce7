import { rawFrame } from '../../helpers/ws-frames';
import { AutobahnPeer, clientCloses, kinds, serverFails, writeChopped } from './autobahn-peer';

// Autobahn 2.x (ping/pong), 3.x (reserved bits), 5.x (fragmentation) and 10.x (misc) with the
// strict expectation, completing the approximations in ws-conformance.test.ts.
describe('Autobahn 2.x / 3.x / 5.x / 10.x against the echo configuration', () => {
  const peer = new AutobahnPeer();
  beforeEach(() => peer.start());
  afterEach(() => peer.stop());

  describe('2.x ping/pong', () => {
    const pings: Array<[string, Buffer]> = [
      ['2.1 empty', Buffer.alloc(0)],
      ['2.2 small text', Buffer.from('Hello, world!')],
      ['2.3 small binary', Buffer.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff])],
      ['2.4 125 bytes', Buffer.alloc(125, 0xfe)],
    ];
    for (const [name, data] of pings) {
      it(`${name}: the pong carries the same application data`, async () => {
        const r = await peer.open();
        r.socket.write(rawFrame({ opcode: 9, payload: data }));
        await r.until(() => r.sink.events.length === 1);
        const e = r.sink.events[0];
        expect(e.kind === 'pong' && e.data.equals(data)).toBe(true);
        await clientCloses(r, 1000, 1000);
      });
    }
    it('2.5: a ping of 126 bytes fails with 1002', async () => {
      const r = await peer.open();
      r.socket.write(rawFrame({ opcode: 9, payload: Buffer.alloc(126, 0xfe) }));
      await serverFails(r, 1002);
      expect(kinds(r)).toEqual(['close:1002']);
    });
    it('2.6: a 125-byte ping written one byte at a time is answered', async () => {
      const r = await peer.open();
      const data = Buffer.alloc(125, 0xab);
      await writeChopped(r, rawFrame({ opcode: 9, payload: data }), 1);
      await r.until(() => r.sink.events.length === 1);
      expect(r.sink.events[0].kind === 'pong' && r.sink.events[0].data.equals(data)).toBe(true);
      await clientCloses(r, 1000, 1000);
    });
    it('2.7/2.8: unsolicited pongs (empty and with payload) are ignored', async () => {
      const r = await peer.open();
      r.socket.write(Buffer.concat([rawFrame({ opcode: 10 }), rawFrame({ opcode: 10, payload: 'unsolicited pong payload' })]));
      await clientCloses(r, 1000, 1000);
      expect(kinds(r)).toEqual(['close:1000']);
    });
    it('2.9: an unsolicited pong then a ping: only the ping is answered', async () => {
      const r = await peer.open();
      r.socket.write(Buffer.concat([rawFrame({ opcode: 10, payload: 'unsolicited' }), rawFrame({ opcode: 9, payload: 'ping payload' })]));
      await r.until(() => r.sink.events.length === 1);
      expect(r.sink.events[0].kind === 'pong' && r.sink.events[0].data.toString()).toBe('ping payload');
      await clientCloses(r, 1000, 1000);
    });
    it('2.10/2.11: ten pings written one by one with pauses get ten pongs in order', async () => {
      const r = await peer.open();
      for (let i = 0; i < 10; i++) {
        r.socket.write(rawFrame({ opcode: 9, payload: `payload-${i}` }));
        await new Promise((res) => setTimeout(res, 2));
      }
      await r.until(() => r.sink.events.length === 10);
      expect(r.sink.events.map((e) => (e.kind === 'pong' ? e.data.toString() : e.kind))).toEqual(Array.from({ length: 10 }, (_, i) => `payload-${i}`));
      await clientCloses(r, 1000, 1000);
    });
  });

  describe('3.x reserved bits', () => {
    const frames: Array<[string, number, Buffer | string]> = [
      ['text', 1, 'Hello, world!'],
      ['binary', 2, Buffer.from([0, 1, 2, 0xff])],
      ['ping', 9, 'Hello, world!'],
      ['close', 8, Buffer.from([0x03, 0xe8])],
    ];
    for (let rsv = 1; rsv <= 7; rsv++) {
      for (const [name, opcode, payload] of frames) {
        it(`3.x: RSV=${rsv} on a ${name} frame without any extension fails with 1002`, async () => {
          const r = await peer.open();
          r.socket.write(rawFrame({ opcode, rsv, payload }));
          await serverFails(r, 1002);
          expect(kinds(r)).toEqual(['close:1002']);
        });
      }
    }
  });

  describe('5.x fragmentation', () => {
    it('5.1/5.2: a fragmented ping or pong fails with 1002', async () => {
      for (const opcode of [9, 10]) {
        const r = await peer.open();
        r.socket.write(Buffer.concat([rawFrame({ opcode, fin: false, payload: 'frag1' }), rawFrame({ opcode: 0, payload: 'frag2' })]));
        await serverFails(r, 1002);
        expect(kinds(r)).toEqual(['close:1002']);
      }
    });
    it('5.3-5.8: fragmented text with pings in between, in one write and chopped to 1 byte', async () => {
      const wire = Buffer.concat([
        rawFrame({ opcode: 1, fin: false, payload: 'fragment1' }),
        rawFrame({ opcode: 9, payload: 'ping' }),
        rawFrame({ opcode: 0, fin: false, payload: 'fragment2' }),
        rawFrame({ opcode: 0, payload: 'fragment3' }),
      ]);
      for (const chop of [0, 1]) {
        const r = await peer.open();
        if (chop) await writeChopped(r, wire, chop);
        else r.socket.write(wire);
        await r.until(() => r.sink.events.length === 2);
        expect(kinds(r)).toEqual(['pong', 'text:27']);
        const e = r.sink.events[1];
        expect(e.kind === 'message' && e.payload.toString()).toBe('fragment1fragment2fragment3');
        await clientCloses(r, 1000, 1000);
      }
    });
    const bad: Array<[string, Buffer[]]> = [
      ['5.9 continuation (fin) with no message', [rawFrame({ opcode: 0, payload: 'non-continuation payload' }), rawFrame({ opcode: 1, payload: 'Hello, world!' })]],
      ['5.12 continuation (not fin) with no message', [rawFrame({ opcode: 0, fin: false, payload: 'x' }), rawFrame({ opcode: 1, payload: 'Hello, world!' })]],
      ['5.15 text after an unfinished text', [rawFrame({ opcode: 1, fin: false, payload: 'f1' }), rawFrame({ opcode: 0, fin: false, payload: 'f2' }), rawFrame({ opcode: 0, payload: 'f3' }), rawFrame({ opcode: 0, payload: 'f4' })]],
      ['5.18 two text starts in a row', [rawFrame({ opcode: 1, fin: false, payload: 'f1' }), rawFrame({ opcode: 1, payload: 'f2' })]],
      ['5.x binary start inside a text message', [rawFrame({ opcode: 1, fin: false, payload: 'f1' }), rawFrame({ opcode: 2, payload: 'f2' })]],
    ];
    for (const [name, frames] of bad) {
      it(`${name} fails with 1002 and delivers nothing after the violation`, async () => {
        const r = await peer.open();
        r.socket.write(Buffer.concat(frames));
        await serverFails(r, 1002);
        const expectEcho = name.startsWith('5.15') ? ['text:6', 'close:1002'] : ['close:1002'];
        expect(kinds(r)).toEqual(expectEcho);
      });
    }
    it('5.19/5.20: text in 5 fragments with pings in between (with pauses) is reassembled', async () => {
      const r = await peer.open();
      const parts = ['fragment1', 'fragment2', 'fragment3', 'fragment4', 'fragment5'];
      for (let i = 0; i < parts.length; i++) {
        r.socket.write(rawFrame({ opcode: i === 0 ? 1 : 0, fin: i === parts.length - 1, payload: parts[i] }));
        if (i === 1 || i === 3) r.socket.write(rawFrame({ opcode: 9, payload: `pongme ${i}` }));
        await new Promise((res) => setTimeout(res, 5));
      }
      await r.until(() => r.sink.events.length === 3);
      expect(kinds(r)).toEqual(['pong', 'pong', 'text:45']);
      await clientCloses(r, 1000, 1000);
    });
  });

  it('10.1.1: 65536-byte text in 1300-byte fragments is echoed byte-exact', async () => {
    const r = await peer.open();
    const body = Buffer.alloc(65536, 0x2a);
    const frames: Buffer[] = [];
    for (let off = 0; off < body.length; off += 1300) {
      frames.push(rawFrame({ opcode: off === 0 ? 1 : 0, fin: off + 1300 >= body.length, payload: body.subarray(off, off + 1300) }));
    }
    r.socket.write(Buffer.concat(frames));
    await r.until(() => r.sink.events.length === 1);
    const e = r.sink.events[0];
    expect(e.kind === 'message' && e.payload.equals(body)).toBe(true);
    await clientCloses(r, 1000, 1000);
  });
});
