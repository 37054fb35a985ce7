import { rawFrame } from '../../helpers/ws-frames';
import { AutobahnPeer, clientCloses, serverFails } from './autobahn-peer';
import { utf8Cases } from './utf8-sequences';

/** One text message made of one frame per octet (Autobahn's "fragmented octet-wise"). */
function octetwise(bytes: Buffer): Buffer {
  return Buffer.concat(Array.from(bytes, (b, i) => rawFrame({ opcode: i === 0 ? 1 : 0, fin: i === bytes.length - 1, payload: Buffer.from([b]) })));
}

// Autobahn 6.x over real sockets: every sequence sent as one frame and octet-wise; valid ones
// must come back byte-exact, invalid ones must fail the connection with 1007. Every other split
// position is covered without sockets in test/unit/websocket/utf8-fragmentation.test.ts.
describe('Autobahn 6.x UTF-8 handling against the echo configuration', () => {
  const peer = new AutobahnPeer();
  beforeEach(() => peer.start());
  afterEach(() => peer.stop());

  const cases = utf8Cases();
  it('the table holds both valid and invalid sequences (the oracle is not trivially one-sided)', () => {
    expect(cases.filter((c) => c.valid).length).toBeGreaterThan(20);
    expect(cases.filter((c) => !c.valid).length).toBeGreaterThan(50);
  });

  for (const { family, bytes, valid } of cases) {
    const hex = bytes.toString('hex');
    if (valid) {
      it(`${family}: ${hex} is echoed byte-exact whole and octet-wise`, async () => {
        const r = await peer.open();
        r.socket.write(Buffer.concat([rawFrame({ opcode: 1, payload: bytes }), octetwise(bytes)]));
        await r.until(() => r.sink.events.length === 2);
        for (const e of r.sink.events) expect(e.kind === 'message' && !e.binary && e.payload.equals(bytes)).toBe(true);
        await clientCloses(r, 1000, 1000);
      });
    } else {
      it(`${family}: ${hex} fails with 1007 whole and octet-wise`, async () => {
        for (const wire of [rawFrame({ opcode: 1, payload: bytes }), octetwise(bytes)]) {
          const r = await peer.open();
          r.socket.write(wire);
          await serverFails(r, 1007);
          expect(r.sink.events.filter((e) => e.kind === 'message')).toEqual([]);
        }
      });
    }
  }

  it('6.4.1/6.4.2: invalid first fragment fails before the message is finished', async () => {
    const r = await peer.open();
    r.socket.write(rawFrame({ opcode: 1, fin: false, payload: Buffer.from('cebae1bdb9cf83cebcceb5f4908080', 'hex') }));
    await serverFails(r, 1007);
  });

  it('6.4.3/6.4.4: one frame whose bytes stop right after the invalid octets fails without the rest', async () => {
    const payload = Buffer.from('cebae1bdb9cf83cebcceb5f4908080656469746564', 'hex');
    const wire = rawFrame({ opcode: 1, payload });
    const r = await peer.open();
    // header (2) + mask (4) + the first 15 payload bytes: the frame is incomplete.
    r.socket.write(wire.subarray(0, 6 + 15));
    await serverFails(r, 1007);
  });

  it('6.x: an invalid text after a valid one: the valid one is echoed, then 1007', async () => {
    const r = await peer.open();
    r.socket.write(Buffer.concat([rawFrame({ opcode: 1, payload: 'κόσμε' }), rawFrame({ opcode: 1, payload: Buffer.from([0xc0, 0xaf]) })]));
    await serverFails(r, 1007);
    expect(r.sink.events[0].kind === 'message' && r.sink.events[0].payload.toString()).toBe('κόσμε');
  });
});
