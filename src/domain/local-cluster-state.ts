import type { ClusterStateProvider } from '../ports/cluster-bus.port';
import type { ClientRecord } from './client-record';
import type { ClientRegistry } from './client-registry.service';
import type { RoomRegistry } from './room-registry.service';

/**
 * This node's state as the ClusterBus asks for it (`getRooms`, `getClients`, stats across
 * nodes). `stats` supplies the numeric stats (e.g. `() => connectionService.stats()`).
 */
export class LocalClusterState implements ClusterStateProvider {
  constructor(
    private readonly clients: ClientRegistry,
    private readonly rooms: RoomRegistry,
    private readonly stats: () => object,
    private readonly disconnect?: (clientId: string, code: number, reason: string) => boolean,
    private readonly taken?: (clientId: string) => boolean,
  ) {}

  /** The session was resumed on another node: closes the connection still held here (4001). */
  sessionTaken(clientId: string): boolean {
    return this.taken !== undefined && this.taken(clientId);
  }

  /** Closes a client of this node on another node's request (`server.disconnect`). */
  disconnectLocal(clientId: string, code: number, reason: string): boolean {
    return this.disconnect !== undefined && this.disconnect(clientId, code, reason);
  }

  localRooms(): string[] {
    return this.rooms.names();
  }

  localRoomMembers(room: string): string[] {
    const members = this.rooms.members(room);
    return members === undefined ? [] : [...members.keys()];
  }

  /** Clients with their rooms; with `room`, only that room's members. */
  localClients(room?: string): { id: string; rooms: string[] }[] {
    return listClients(this.clients, this.rooms, room);
  }

  /** O(1): is `clientId` connected to this node? */
  hasLocalClient(clientId: string): boolean {
    return this.clients.has(clientId);
  }

  /** The numeric fields of the stats object. */
  localStats(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(this.stats())) if (typeof v === 'number') out[k] = v;
    return out;
  }
}

/** Registered clients with their rooms; with `room`, only that room's registered members. */
export function listClients(
  clients: ClientRegistry,
  rooms: RoomRegistry,
  room?: string,
): { id: string; rooms: string[] }[] {
  const out: { id: string; rooms: string[] }[] = [];
  if (room === undefined) {
    for (const r of clients.values()) out.push({ id: r.id, rooms: roomList(r) });
    return out;
  }
  const members = rooms.members(room);
  if (members === undefined) return out;
  // Only registered clients (a member may still be running its middleware).
  for (const r of members.values()) {
    if (clients.get(r.id) === r) out.push({ id: r.id, rooms: roomList(r) });
  }
  return out;
}

/** A client's room names, without creating its lazily held room Set. */
function roomList(record: ClientRecord): string[] {
  const rooms = record.info.roomsIfAny();
  return rooms === null ? [] : [...rooms];
}
