import { LocalClusterState } from '../../../src/domain/local-cluster-state';
import { ClientRegistry } from '../../../src/domain/client-registry.service';
import { RoomRegistry } from '../../../src/domain/room-registry.service';
import { HookRunner } from '../../../src/domain/hook-runner.service';
import { FakeLogger } from '../../fakes/fake-logger';
import { record } from './helpers';

describe('LocalClusterState', () => {
  it('answers rooms, members, clients and numeric stats from local state', () => {
    const clients = new ClientRegistry();
    const rooms = new RoomRegistry(new HookRunner(new FakeLogger()), { maxRooms: 10, maxRoomsPerClient: 10 });
    const a = record('a');
    const b = record('b');
    clients.add(a);
    clients.add(b);
    rooms.join(a, 'r1');
    rooms.join(b, 'r1');
    rooms.join(b, 'r2');
    const s = new LocalClusterState(clients, rooms, () => ({ activeConnections: 2, label: 'x' }));
    expect(s.localRooms().sort()).toEqual(['r1', 'r2']);
    expect(s.localRoomMembers('r1')).toEqual(['a', 'b']);
    expect(s.localRoomMembers('none')).toEqual([]);
    expect(s.localClients()).toEqual([{ id: 'a', rooms: ['r1'] }, { id: 'b', rooms: ['r1', 'r2'] }]);
    expect(s.localClients('r2')).toEqual([{ id: 'b', rooms: ['r1', 'r2'] }]);
    expect(s.localClients('none')).toEqual([]);
    expect(s.localStats()).toEqual({ activeConnections: 2 });
    expect(s.hasLocalClient('a')).toBe(true);
    expect(s.hasLocalClient('zz')).toBe(false);
  });
});
