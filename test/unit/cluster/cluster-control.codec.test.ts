import { decodeControl, encodeDisconnect, encodeSessionTaken, isControlEnvelope, type DisconnectCommand } from '../../../src/adapters/redis/cluster-control.codec';
import { decodeEnvelope, encodeDelivery } from '../../../src/adapters/redis/cluster-envelope.codec';

describe('cluster control envelope', () => {
  it('round-trips a disconnect command, truncating a long reason', () => {
    const buf = encodeDisconnect('node-a', 'client-1', 4001, 'bye');
    expect(isControlEnvelope(buf)).toBe(true);
    expect(decodeControl(buf)).toEqual({ origin: 'node-a', clientId: 'client-1', code: 4001, reason: 'bye' });
    expect((decodeControl(encodeDisconnect('n', 'c', 1000, 'x'.repeat(300))) as DisconnectCommand).reason).toHaveLength(123);
  });

  it('round-trips a "session resumed elsewhere" command (an empty id decodes to null)', () => {
    const buf = encodeSessionTaken('node-b', 'sess-1');
    expect(isControlEnvelope(buf)).toBe(true);
    expect(decodeControl(buf)).toEqual({ origin: 'node-b', sessionTaken: 'sess-1' });
    expect(decodeControl(encodeSessionTaken('node-b', ''))).toBeNull();
  });

  it('stays apart from deliveries, and malformed input decodes to null', () => {
    const delivery = encodeDelivery('node-a', { target: { kind: 'all' }, event: 'e', data: 1 });
    expect(isControlEnvelope(delivery)).toBe(false);
    expect(() => decodeEnvelope(encodeDisconnect('n', 'c', 1000, ''))).toThrow();
    const good = encodeDisconnect('node-a', 'client-1', 4001, 'bye');
    for (let cut = 0; cut < good.length - 4; cut++) {
      const r = decodeControl(good.subarray(0, cut));
      if (r !== null) expect((r as DisconnectCommand).clientId.length).toBeGreaterThan(0);
    }
    const unknownOp = Buffer.from(good);
    unknownOp[3 + 6] = 9;
    expect(decodeControl(unknownOp)).toBeNull();
    expect(() => encodeDisconnect('n', 'c', 70000, '')).toThrow(RangeError);
  });
});
