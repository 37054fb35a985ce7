import { rawFrame } from '../../helpers/ws-frames';
import { AutobahnPeer, clientCloses, fragmented, serverFails, writeChopped } from './autobahn-peer';

const MiB = 1024 * 1024;

/** A text payload of `n` bytes mixing 1-, 2- and 3-byte UTF-8 sequences, all valid. */
function utf8Text(n: number): Buffer {
  const unit = Buffer.from('aé€z'); // 1 + 2 + 3 + 1 = 7 bytes
  const b = Buffer.alloc(n, 0x61);
  const whole = n - (n % unit.length);
  for (let off = 0; off < whole; off += unit.length) unit.copy(b, off);
  return b;
}

function binary(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i ^ (i >>> 8)) & 0xff;
  return b;
}

// Autobahn 9.x (limits / performance) against the echo example's limits: 16 MiB messages, in
// one frame and in 64 KiB fragments, must come back byte-exact; one byte more is refused with
// 1009 from the header alone.
describe('Autobahn 9.x message sizes against the echo configuration', () => {
  const peer = new AutobahnPeer();
  beforeEach(() => peer.start());
  afterEach(() => peer.stop());

  async function roundTrip(wire: Buffer, body: Buffer, isBinary: boolean, chop = 0): Promise<void> {
    const r = await peer.open();
    if (chop > 0) await writeChopped(r, wire, chop);
    else r.socket.write(wire);
    await r.until(() => r.sink.events.length === 1, 20_000);
    const e = r.sink.events[0];
    expect(e.kind === 'message' && e.binary === isBinary && e.payload.length === body.length).toBe(true);
    expect(e.kind === 'message' && e.payload.equals(body)).toBe(true);
    await clientCloses(r, 1000, 1000);
  }

  for (const isBinary of [false, true]) {
    const family = isBinary ? '9.2' : '9.1';
    const make = isBinary ? binary : utf8Text;
    [64 * 1024, 256 * 1024, MiB, 4 * MiB, 16 * MiB].forEach((n, i) => {
      it(`${family}.${i + 1}: ${isBinary ? 'binary' : 'text'} of ${n} bytes in one frame`, async () => {
        const body = make(n);
        await roundTrip(rawFrame({ opcode: isBinary ? 2 : 1, payload: body }), body, isBinary);
      });
    });
    it(`${isBinary ? '9.4' : '9.3'}: 16 MiB ${isBinary ? 'binary' : 'text'} in 64 KiB fragments`, async () => {
      const body = make(16 * MiB);
      await roundTrip(fragmented(body, 64 * 1024, isBinary), body, isBinary);
    });
    it(`${isBinary ? '9.4' : '9.3'}: 1 MiB ${isBinary ? 'binary' : 'text'} in 256-byte fragments`, async () => {
      const body = make(MiB);
      await roundTrip(fragmented(body, 256, isBinary), body, isBinary);
    });
    it(`${isBinary ? '9.6' : '9.5'}: 1 MiB ${isBinary ? 'binary' : 'text'} frame written in 4 KiB TCP chunks`, async () => {
      const body = make(MiB);
      await roundTrip(rawFrame({ opcode: isBinary ? 2 : 1, payload: body }), body, isBinary, 4096);
    });
  }

  it('9.7/9.8: 200 text and 200 binary messages of mixed sizes are echoed in order', async () => {
    const r = await peer.open();
    const bodies: Array<{ body: Buffer; bin: boolean }> = [];
    for (let i = 0; i < 400; i++) {
      const n = [0, 16, 64, 256, 1024, 4096][i % 6];
      const bin = i % 2 === 1;
      bodies.push({ body: bin ? binary(n) : utf8Text(n), bin });
    }
    r.socket.write(Buffer.concat(bodies.map((b) => rawFrame({ opcode: b.bin ? 2 : 1, payload: b.body }))));
    await r.until(() => r.sink.events.length === 400, 10_000);
    r.sink.events.forEach((e, i) => {
      expect(e.kind === 'message' && e.binary === bodies[i].bin && e.payload.equals(bodies[i].body)).toBe(true);
    });
    await clientCloses(r, 1000, 1000);
  });

  it('limits: a frame declaring 16 MiB + 1 is refused with 1009 before its payload arrives', async () => {
    const r = await peer.open();
    const header = Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0x01, 0x00, 0x00, 0x01, 1, 2, 3, 4]);
    r.socket.write(header);
    await serverFails(r, 1009);
    // The refusal carries the declared size for the domain's onPayloadTooLarge hook.
    expect(peer.acceptor.errors.map((e) => (e as { size?: number }).size)).toEqual([16 * MiB + 1]);
  });

  it('limits: fragments adding up to 16 MiB + 1 are refused with 1009', async () => {
    const r = await peer.open();
    r.socket.write(fragmented(binary(16 * MiB + 1), 4 * MiB, true));
    await serverFails(r, 1009);
    expect(peer.acceptor.messages).toEqual([]);
  });
});
