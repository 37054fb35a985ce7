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

  it('is strict: invalid UTF-8 or an over-long reason decodes to null, and a truncated reason never splits a character', () => {
    const good = encodeDisconnect('node-a', 'client-1', 4001, 'bye');
    const badOrigin = Buffer.from(good);
    badOrigin[3] = 0xff;
    expect(decodeControl(badOrigin)).toBeNull();
    const badId = Buffer.from(good);
    badId[3 + 6 + 5] = 0xc0;
    expect(decodeControl(badId)).toBeNull();
    expect(decodeControl(Buffer.concat([good, Buffer.from([0xed, 0xa0, 0x80])]))).toBeNull();
    expect(decodeControl(Buffer.concat([good, Buffer.alloc(121, 0x61)]))).toBeNull(); // 'bye' + 121 = 124 bytes
    expect(decodeControl(Buffer.concat([good, Buffer.alloc(120, 0x61)]))).not.toBeNull(); // 123 bytes
    const taken = encodeSessionTaken('node-b', 'sess-1');
    expect(decodeControl(Buffer.concat([taken, Buffer.from([0x80])]))).toBeNull();
    // 122 ASCII bytes then a 3-byte character: the cut at 123 would split it, so it is dropped whole.
    const long = 'x'.repeat(122) + '\u20ac' + 'tail';
    const cut = decodeControl(encodeDisconnect('n', 'c', 1000, long)) as DisconnectCommand;
    expect(cut.reason).toBe('x'.repeat(122));
    const euros = '\u20ac'.repeat(60); // 180 bytes: 41 whole characters fit in 123
    expect((decodeControl(encodeDisconnect('n', 'c', 1000, euros)) as DisconnectCommand).reason).toBe('\u20ac'.repeat(41));
  });
});
