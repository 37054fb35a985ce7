import { EnvelopeType, decodeEnvelope, encodeDelivery, positionSlotIndex } from '../../../src/adapters/redis/cluster-envelope.codec';
import type { ClusterDelivery } from '../../../src/ports/cluster-bus.port';
import { ProtocolError } from '../../../src/domain/errors';

function roundTrip(d: ClusterDelivery): ClusterDelivery {
  const env = decodeEnvelope(encodeDelivery('node-a', d));
  if (env.type !== EnvelopeType.Delivery) throw new Error(`wrong type ${env.type}`);
  return env.delivery;
}

describe('cluster envelope: except (the broadcast builder)', () => {
  it('round-trips except with JSON and binary payloads, excludeId and meta', () => {
    const json: ClusterDelivery = { target: { kind: 'room', room: 'r2' }, event: 'e', data: { a: 1 }, excludeId: 'x', except: ['r1', 'ü-id'] };
    expect(roundTrip(json)).toEqual(json);
    const bin = roundTrip({ target: { kind: 'all' }, event: 'b', bytes: new Uint8Array([1, 2, 3]), meta: { name: 'f' }, except: ['muted'] });
    expect(bin.except).toEqual(['muted']);
    expect(Buffer.from(bin.bytes!)).toEqual(Buffer.from([1, 2, 3]));
    expect(bin.meta).toEqual({ name: 'f' });
  });

  it('an empty except is not carried (the seed deliveries are byte-for-byte unchanged)', () => {
    const d: ClusterDelivery = { target: { kind: 'all' }, event: 'e', data: 1 };
    expect(encodeDelivery('n', { ...d, except: [] })).toEqual(encodeDelivery('n', d));
    expect(roundTrip({ ...d, except: [] })).toEqual(d);
  });

  it('keeps the position slot where the stream script writes it', () => {
    const d: ClusterDelivery = { target: { kind: 'room', room: 'r' }, event: 'e', data: 1, pos: { offset: 0, epoch: 'abcdefgh' }, except: ['z'] };
    const buf = encodeDelivery('n', d);
    const slot = positionSlotIndex(buf);
    expect(buf.toString('latin1', slot, slot + 16)).toBe('0'.repeat(16));
    expect(roundTrip(d)).toEqual(d);
  });

  it('rejects a malformed except with a ProtocolError', () => {
    const good = encodeDelivery('n', { target: { kind: 'all' }, event: 'e', except: ['ab'] });
    const text = good.toString('latin1');
    const bad = Buffer.from(text.replace('["ab"]', '[1234]'), 'latin1');
    expect(() => decodeEnvelope(bad)).toThrow(ProtocolError);
    const notList = Buffer.from(text.replace('["ab"]', '{"a":1}'), 'latin1');
    expect(() => decodeEnvelope(notList)).toThrow(ProtocolError);
  });
});
