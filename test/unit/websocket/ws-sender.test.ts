import { closeBody, controlFrame, frame } from '../../../src/adapters/websocket/ws-sender';
import { isValidSendCloseCode } from '../../../src/adapters/websocket/ws-close-codes';
import { Opcode } from '../../../src/adapters/websocket/ws-constants';
import { makeReceiver } from '../../helpers/ws-frames';

describe('frame()', () => {
  it.each([0, 1, 125, 126, 1024, 1025, 65535, 65536, 200_000])('round-trips %i bytes masked and unmasked', (len) => {
    const payload = Buffer.alloc(len);
    for (let i = 0; i < len; i++) payload[i] = (i * 7 + 3) & 0xff;
    for (const mask of [false, true]) {
      const bufs = frame(payload, { opcode: Opcode.Binary, fin: true, rsv1: false, mask });
      const { receiver, sink } = makeReceiver({ isServer: mask });
      for (const b of bufs) receiver.push(Buffer.from(b));
      expect(sink.events.length).toBe(1);
      const ev = sink.events[0];
      expect(ev.kind).toBe('message');
      if (ev.kind === 'message') expect(Buffer.compare(ev.payload, payload)).toBe(0);
    }
  });

  it('uses the shortest length form and never touches the payload when masking', () => {
    const payload = Buffer.from('abcdef');
    const copy = Buffer.from(payload);
    const [f] = frame(payload, { opcode: Opcode.Text, fin: true, rsv1: false, mask: true });
    expect(f[0]).toBe(0x81);
    expect(f[1]).toBe(0x80 | 6);
    expect(payload).toEqual(copy);
    expect(f.subarray(6).equals(payload)).toBe(false);
    const big = frame(Buffer.alloc(70_000), { opcode: Opcode.Binary, fin: false, rsv1: true, mask: false });
    expect(big.length).toBe(2); // header + payload, not copied
    expect(big[0][0]).toBe(0x42);
    expect(big[0][1]).toBe(127);
    expect(big[0].length).toBe(10);
  });

  it('draws different masks for consecutive frames', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 50; i++) {
      keys.add(frame(Buffer.from('x'), { opcode: 1, fin: true, rsv1: false, mask: true })[0].subarray(2, 6).toString('hex'));
    }
    expect(keys.size).toBeGreaterThan(45);
  });
});

describe('close frames', () => {
  it('validates codes the caller sends (RangeError, synchronously)', () => {
    for (const code of [999, 1004, 1005, 1006, 1015, 2000, 5000, 1000.5]) {
      expect(() => closeBody(code, '')).toThrow(RangeError);
      expect(isValidSendCloseCode(code)).toBe(false);
    }
    expect(closeBody(1000, 'bye')).toEqual(Buffer.from([0x03, 0xe8, 0x62, 0x79, 0x65]));
    expect(closeBody(undefined, 'ignored').length).toBe(0);
  });

  it('truncates a long reason to 123 bytes on a character boundary', () => {
    const body = closeBody(4000, '€'.repeat(100));
    expect(body.length).toBeLessThanOrEqual(125);
    expect(body.subarray(2).toString('utf8')).toBe('€'.repeat(41));
  });

  it('refuses control payloads over 125 bytes', () => {
    expect(() => controlFrame(Opcode.Ping, Buffer.alloc(126), false)).toThrow(RangeError);
  });
});
