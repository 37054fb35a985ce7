import fc from 'fast-check';
import { RoomRegistry } from '../../../src/domain/room-registry.service';
import { HookRunner } from '../../../src/domain/hook-runner.service';
import { FakeLogger } from '../../fakes/fake-logger';
import { record } from './helpers';

type Op = { kind: 'join' | 'leave'; client: number; room: number } | { kind: 'leaveAll'; client: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom('join' as const, 'leave' as const), client: fc.nat(5), room: fc.nat(7) }),
  fc.record({ kind: fc.constant('leaveAll' as const), client: fc.nat(5) }),
);

describe('RoomRegistry invariants (property)', () => {
  it('the two indexes always agree, no room is empty and both caps hold', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), (ops, maxRooms, perClient) => {
        const rooms = new RoomRegistry(new HookRunner(new FakeLogger()), { maxRooms, maxRoomsPerClient: perClient });
        const clients = Array.from({ length: 6 }, (_, i) => record(`c${i}`));
        for (const o of ops) {
          const c = clients[o.client];
          if (o.kind === 'join') rooms.join(c, `r${o.room}`);
          else if (o.kind === 'leave') rooms.leave(c, `r${o.room}`);
          else rooms.leaveAll(c);

          expect(rooms.size).toBeLessThanOrEqual(maxRooms);
          for (const name of rooms.names()) {
            const members = rooms.members(name)!;
            expect(members.size).toBeGreaterThan(0);
            for (const [id, r] of members) {
              expect(r).toBe(clients[Number(id.slice(1))]);
              expect(r.info.rooms.has(name)).toBe(true);
            }
          }
          for (const cl of clients) {
            expect(cl.info.rooms.size).toBeLessThanOrEqual(perClient);
            for (const r of cl.info.rooms) expect(rooms.members(r)?.has(cl.id)).toBe(true);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
