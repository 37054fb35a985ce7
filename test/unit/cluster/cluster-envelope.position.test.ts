// The position slot of a delivery envelope (session recovery in a cluster): written as a
// placeholder by the node, overwritten in place by the Redis script (simulated here exactly as
// the Lua does it: string splice at the slot), decoded with the offset and epoch it carries.
import fc from 'fast-check';
import { decodeEnvelope, encodeDelivery, encodeProbe, positionSlotIndex, POSITION_SLOT_BYTES } from '../../../src/adapters/redis/cluster-envelope.codec';
import type { ClusterDelivery } from '../../../src/ports/cluster-bus.port';

/** What DISTRIBUTE_LUA does: bytes [0, slot) .. 16 digits .. epoch .. bytes [slot + 24, end). */
function splice(env: Buffer, offset: number, epoch: string): Buffer {
  const slot = positionSlotIndex(env);
  return Buffer.concat([env.subarray(0, slot), Buffer.from(String(offset).padStart(16, '0') + epoch, 'latin1'), env.subarray(slot + POSITION_SLOT_BYTES)]);
}

describe('cluster envelope: the position slot', () => {
  it('round-trips room and broadcast deliveries with excludeId, exclude2 and JSON data after the script fills the slot', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant<ClusterDelivery['target']>({ kind: 'all' }), fc.string({ maxLength: 40 }).map((room) => ({ kind: 'room', room }) as const)),
        fc.string({ maxLength: 30 }),
        fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
        fc.option(fc.string({ minLength: 1, maxLength: 30 }), { nil: undefined }),
        fc.jsonValue(),
        fc.integer({ min: 1, max: 2 ** 50 }),
        (target, event, excludeId, exclude2, data, offset) => {
          const d: ClusterDelivery = { target, event, data, excludeId, exclude2, pos: { offset: 0, epoch: '00000000' } };
          const env = encodeDelivery('node\u0000h', d);
          const filled = splice(env, offset, 'AbCd-_9z');
          const out = decodeEnvelope(filled);
          expect(out.type).toBe(1);
          if (out.type !== 1) return;
          expect(out.origin).toBe('node\u0000h');
          expect(out.delivery.pos).toEqual({ offset, epoch: 'AbCd-_9z' });
          expect(out.delivery.target).toEqual(target);
          expect(out.delivery.event).toBe(event);
          expect(out.delivery.excludeId).toBe(excludeId);
          expect(out.delivery.exclude2).toBe(exclude2);
          expect(out.delivery.data).toEqual(JSON.parse(JSON.stringify(data)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('has no slot without a position, and rejects a bad offset or an epoch of the wrong size', () => {
    const plain = encodeDelivery('n', { target: { kind: 'all' }, event: 'e', data: 1 });
    expect(positionSlotIndex(plain)).toBe(-1);
    expect(decodeEnvelope(plain).type === 1 && (decodeEnvelope(plain) as { delivery: ClusterDelivery }).delivery.pos).toBeUndefined();
    const env = encodeDelivery('n', { target: { kind: 'all' }, event: 'e', data: 1, pos: { offset: 0, epoch: '00000000' } });
    const bad = Buffer.from(env);
    bad.write('x', positionSlotIndex(env), 'latin1');
    expect(() => decodeEnvelope(bad)).toThrow(/bad position offset/);
    expect(() => encodeDelivery('n', { target: { kind: 'all' }, event: 'e', pos: { offset: 0, epoch: 'short' } })).toThrow(RangeError);
  });
  it('refuses an epoch slot that is not 8 bytes of valid UTF-8 (fuzz finding: it decoded, then could not re-encode)', () => {
    const env = encodeDelivery('n', { target: { kind: 'all' }, event: 'e', pos: { offset: 0, epoch: '00000000' } });
    const bad = Buffer.from(env);
    bad[positionSlotIndex(env) + 16] = 0xff; // a lone 0xff: U+FFFD once decoded
    expect(() => decodeEnvelope(bad)).toThrow(expect.objectContaining({ code: 'STELAR_ERR_INVALID_MESSAGE', message: expect.stringMatching(/not valid UTF-8/) }));
  });

  it('refuses any string that is not valid UTF-8 (fuzz finding: 255 bytes of a node id decoded to 262)', () => {
    const probe = encodeProbe('n'.repeat(255), 1);
    const bad = Buffer.from(probe);
    bad.fill(0xc3, 3, 3 + 255); // lead bytes without continuation: each a U+FFFD of 3 bytes
    expect(() => decodeEnvelope(bad)).toThrow(expect.objectContaining({ code: 'STELAR_ERR_INVALID_MESSAGE', message: expect.stringMatching(/not valid UTF-8/) }));
    expect(decodeEnvelope(probe)).toMatchObject({ origin: 'n'.repeat(255), id: 1 });
  });
});
