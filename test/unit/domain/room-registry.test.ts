import { RoomRegistry } from '../../../src/domain/room-registry.service';
import { HookRunner } from '../../../src/domain/hook-runner.service';
import { StelarErrorCode } from '../../../src/domain/errors';
import { FakeLogger } from '../../fakes/fake-logger';
import { record } from './helpers';

function setup(maxRooms = 100, maxRoomsPerClient = 10) {
  const hooks = new HookRunner(new FakeLogger());
  const rooms = new RoomRegistry(hooks, { maxRooms, maxRoomsPerClient });
  return { hooks, rooms };
}

describe('RoomRegistry', () => {
  it('keeps the two-way index, live in info.rooms', () => {
    const { rooms } = setup();
    const a = record('a');
    const b = record('b');
    expect(rooms.join(a, 'r1')).toEqual({ ok: true, changed: true });
    rooms.join(b, 'r1');
    rooms.join(a, 'r2');
    expect([...rooms.members('r1')!.keys()]).toEqual(['a', 'b']);
    expect(a.info.rooms).toEqual(new Set(['r1', 'r2']));
    expect(rooms.size).toBe(2);
    expect(rooms.names().sort()).toEqual(['r1', 'r2']);
  });

  it('a duplicate join is ok and idempotent', () => {
    const { rooms } = setup();
    const a = record('a');
    rooms.join(a, 'r');
    expect(rooms.join(a, 'r')).toEqual({ ok: true, changed: false });
    expect(rooms.members('r')!.size).toBe(1);
    expect(a.info.rooms.size).toBe(1);
  });

  it('leave of a non-member is a no-op; empty rooms are deleted', () => {
    const { rooms } = setup();
    const a = record('a');
    const b = record('b');
    expect(rooms.leave(a, 'nowhere')).toEqual({ ok: true, changed: false });
    rooms.join(a, 'r');
    expect(rooms.leave(b, 'r')).toEqual({ ok: true, changed: false });
    expect(rooms.leave(a, 'r')).toEqual({ ok: true, changed: true });
    expect(rooms.has('r')).toBe(false);
    expect(rooms.members('r')).toBeUndefined();
    expect(a.info.rooms.size).toBe(0);
  });

  it('leaveAll removes the client everywhere without hooks and deletes emptied rooms', () => {
    const { rooms, hooks } = setup();
    let vetoes = 0;
    hooks.update({ onClientLeaveRoom: () => (vetoes++, false) });
    const a = record('a');
    const b = record('b');
    rooms.join(a, 'x');
    rooms.join(a, 'y');
    rooms.join(b, 'y');
    expect(rooms.leaveAll(a)).toBe(2);
    expect(vetoes).toBe(0);
    expect(rooms.has('x')).toBe(false);
    expect([...rooms.members('y')!.keys()]).toEqual(['b']);
    expect(a.info.rooms.size).toBe(0);
  });

  it('onClientJoinRoom / onClientLeaveRoom returning false veto the change', () => {
    const { rooms, hooks } = setup();
    hooks.update({
      onClientJoinRoom: ({ room, metadata }) => !(room.startsWith('admin-') && metadata.get('role') !== 'admin'),
      onClientLeaveRoom: ({ room }) => room !== 'sticky',
    });
    const a = record('a');
    const r = rooms.join(a, 'admin-x');
    expect(r).toEqual({ ok: false, reason: 'Join refused', code: StelarErrorCode.RoomRefused });
    expect(rooms.has('admin-x')).toBe(false);
    a.info.metadata.set('role', 'admin');
    expect(rooms.join(a, 'admin-x').ok).toBe(true);
    rooms.join(a, 'sticky');
    expect(rooms.leave(a, 'sticky').ok).toBe(false);
    expect(a.info.rooms.has('sticky')).toBe(true);
  });

  it('maxRoomsPerClient is a hard cap that fires its hook', () => {
    const { rooms, hooks } = setup(100, 2);
    const fired: unknown[] = [];
    hooks.update({ onMaxRoomsPerClientReached: (i) => void fired.push(i) });
    const a = record('a');
    rooms.join(a, 'r1');
    rooms.join(a, 'r2');
    const r = rooms.join(a, 'r3');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.code).toBe(StelarErrorCode.MaxRoomsPerClient);
    expect(fired).toEqual([{ clientId: 'a', room: 'r3', currentRooms: 2, max: 2 }]);
    expect(rooms.has('r3')).toBe(false);
    // Re-joining a room it is in still works at the cap.
    expect(rooms.join(a, 'r1')).toEqual({ ok: true, changed: false });
  });

  it('maxRooms is a hard cap on new rooms only, and a false from its hook also refuses', () => {
    const { rooms, hooks } = setup(1, 10);
    const fired: unknown[] = [];
    hooks.update({ onMaxRoomsReached: (i) => (fired.push(i), false) });
    const a = record('a');
    const b = record('b');
    rooms.join(a, 'only');
    expect(rooms.join(b, 'only').ok).toBe(true); // existing room: fine
    const r = rooms.join(b, 'second');
    expect(!r.ok && r.code).toBe(StelarErrorCode.MaxRooms);
    expect(fired).toEqual([{ clientId: 'b', room: 'second', totalRooms: 1, max: 1 }]);
  });

  it('limits change live and are validated', () => {
    const { rooms } = setup(1, 1);
    const a = record('a');
    rooms.join(a, 'r1');
    expect(rooms.join(a, 'r2').ok).toBe(false);
    rooms.setLimits({ maxRooms: 5, maxRoomsPerClient: 5 });
    expect(rooms.join(a, 'r2').ok).toBe(true);
    expect(rooms.limits).toEqual({ maxRooms: 5, maxRoomsPerClient: 5 });
    expect(() => rooms.setLimits({ maxRooms: -1 })).toThrow(RangeError);
  });

  it('refuses invalid room names', () => {
    const { rooms } = setup();
    const a = record('a');
    for (const bad of ['', 'a\0b', 'é'.repeat(128)]) {
      const r = rooms.join(a, bad);
      expect(!r.ok && r.code).toBe(StelarErrorCode.InvalidEventName);
    }
    expect(rooms.join(a, 'é'.repeat(127)).ok).toBe(true); // 254 bytes
    expect(rooms.size).toBe(1);
  });
});
