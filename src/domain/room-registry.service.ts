import type { ClusterInterest } from '../ports/cluster-bus.port';
import type { ClientRecord } from './client-record';
import { StelarErrorCode } from './errors';
import type { HookRunner } from './hook-runner.service';
import { nameViolation } from './name-validation';

/** Outcome of a join or leave. `changed` is false when the call was a no-op. */
export type RoomResult =
  | { readonly ok: true; readonly changed: boolean }
  | { readonly ok: false; readonly reason: string; readonly code: StelarErrorCode };

/** Room caps; both can be changed live through {@link RoomRegistry.setLimits}. */
export interface RoomLimits {
  /** Most rooms that may exist at once. */
  maxRooms: number;
  /** Most rooms one client may be in. */
  maxRoomsPerClient: number;
}

const CHANGED: RoomResult = { ok: true, changed: true };
const UNCHANGED: RoomResult = { ok: true, changed: false };

/**
 * Rooms as a two-way index (socket.io style): `room → Map<clientId, ClientRecord>` here, and
 * `client → Set<room>` in each record's live `info.rooms`. Empty rooms are deleted at once.
 * Holding the records (not only the ids) lets a room fan-out iterate its members directly,
 * without one client-registry lookup per delivery.
 *
 * Hooks: `onClientJoinRoom` / `onClientLeaveRoom` returning false veto the change.
 * `onMaxRoomsReached` / `onMaxRoomsPerClientReached` fire when a join hits a cap; **the caps
 * are hard limits**: the join is refused whatever the hook returns (a `false` is accepted for
 * symmetry with the other cancellable hooks and also refuses).
 */
export class RoomRegistry {
  private readonly rooms = new Map<string, Map<string, ClientRecord>>();
  private readonly caps: RoomLimits;
  /** Session recovery: told when a record holding a session joins or leaves a room. */
  private observer: RoomObserver | null = null;
  private memberships = 0;
  /** Told when a room gains its first / loses its last member (cluster interest routing). */
  private interest: Pick<ClusterInterest, 'roomOpened' | 'roomClosed' | 'roomReady'> | null = null;

  constructor(
    private readonly hooks: HookRunner,
    limits: RoomLimits,
  ) {
    this.caps = { maxRooms: 0, maxRoomsPerClient: 0 };
    this.setLimits(limits);
  }

  /** Installs the membership observer (session recovery keeps each room's join position). */
  observe(observer: RoomObserver | null): void {
    this.observer = observer;
  }

  /**
   * Session recovery: puts a resumed client back in a room it was in, without hooks or caps
   * (the membership was admitted before the drop).
   */
  restore(record: ClientRecord, room: string): void {
    if (record.info.inRoom(room)) return;
    let members = this.rooms.get(room);
    if (members === undefined) {
      members = new Map();
      this.rooms.set(room, members);
      this.interest?.roomOpened(room);
    }
    members.set(record.id, record);
    record.info.rooms.add(room);
    this.memberships++;
  }

  /** Reports room openings and closings to `interest` from now on (null: to nobody). */
  setInterest(interest: Pick<ClusterInterest, 'roomOpened' | 'roomClosed' | 'roomReady'> | null): void {
    this.interest = interest;
  }

  /**
   * Undefined when deliveries to `room` from anywhere in the cluster already reach this node;
   * else settles once they do (a join is confirmed to its client after that).
   */
  ready(room: string): PromiseLike<void> | undefined {
    return this.interest === null ? undefined : this.interest.roomReady(room);
  }

  /** The current caps (a copy). */
  get limits(): RoomLimits {
    return { ...this.caps };
  }

  /** Changes one or both caps live; existing memberships above a lowered cap are kept. */
  setLimits(limits: Partial<RoomLimits>): void {
    if (limits.maxRooms !== undefined) this.caps.maxRooms = positive('maxRooms', limits.maxRooms);
    if (limits.maxRoomsPerClient !== undefined) {
      this.caps.maxRoomsPerClient = positive('maxRoomsPerClient', limits.maxRoomsPerClient);
    }
  }

  /** Adds the client to `room`. Joining a room it is already in is ok and changes nothing. */
  join(record: ClientRecord, room: string): RoomResult {
    const violation = nameViolation(room, 'room');
    if (violation !== null) return { ok: false, reason: violation.message, code: violation.code };
    const info = record.info;
    if (info.inRoom(room)) return UNCHANGED;
    const clientId = record.id;

    if (info.roomCount >= this.caps.maxRoomsPerClient) {
      const max = this.caps.maxRoomsPerClient;
      this.hooks.call('onMaxRoomsPerClientReached', { clientId, room, currentRooms: info.roomCount, max });
      return {
        ok: false,
        reason: `Client is already in the maximum of ${max} rooms`,
        code: StelarErrorCode.MaxRoomsPerClient,
      };
    }
    let members = this.rooms.get(room);
    if (members === undefined && this.rooms.size >= this.caps.maxRooms) {
      const max = this.caps.maxRooms;
      this.hooks.call('onMaxRoomsReached', { clientId, room, totalRooms: this.rooms.size, max });
      return { ok: false, reason: `Maximum of ${max} rooms reached`, code: StelarErrorCode.MaxRooms };
    }
    // The payload (and the lazily created metadata Map) only when the hook is set.
    if (
      this.hooks.has('onClientJoinRoom') &&
      !this.hooks.call('onClientJoinRoom', { clientId, room, metadata: info.metadata })
    ) {
      return { ok: false, reason: 'Join refused', code: StelarErrorCode.RoomRefused };
    }
    // The hook may have joined or changed things re-entrantly: re-read before inserting.
    if (info.inRoom(room)) return UNCHANGED;
    members = this.rooms.get(room);
    if (members === undefined) {
      members = new Map();
      this.rooms.set(room, members);
      this.interest?.roomOpened(room);
    }
    members.set(clientId, record);
    info.rooms.add(room);
    if (record.session !== null) this.observer?.joined(record, room);
    this.memberships++;
    return CHANGED;
  }

  /** Removes the client from `room`. Leaving a room it is not in is ok and changes nothing. */
  leave(record: ClientRecord, room: string): RoomResult {
    if (!record.info.inRoom(room)) return UNCHANGED;
    if (!this.hooks.call('onClientLeaveRoom', { clientId: record.id, room })) {
      return { ok: false, reason: 'Leave refused', code: StelarErrorCode.RoomRefused };
    }
    this.remove(record, room);
    return CHANGED;
  }

  /**
   * Removes the client from every room without consulting hooks (disconnect cleanup cannot be
   * vetoed). Returns how many rooms it left.
   */
  leaveAll(record: ClientRecord): number {
    const mine = record.info.roomsIfAny();
    if (mine === null) return 0;
    const n = mine.size;
    for (const room of mine) this.detach(record, room);
    mine.clear();
    return n;
  }

  /**
   * Live members of `room`, id → record (do not mutate), or undefined when the room does not
   * exist.
   */
  members(room: string): ReadonlyMap<string, ClientRecord> | undefined {
    return this.rooms.get(room);
  }

  /** True when `room` exists (has at least one member). */
  has(room: string): boolean {
    return this.rooms.has(room);
  }

  /** Names of all rooms. */
  names(): string[] {
    return [...this.rooms.keys()];
  }

  /** Sum of the room sizes (a client in 3 rooms counts 3). */
  get memberCount(): number {
    return this.memberships;
  }

  /** Number of rooms (StelarStats.totalRooms). */
  get size(): number {
    return this.rooms.size;
  }

  private remove(record: ClientRecord, room: string): void {
    record.info.rooms.delete(room);
    if (record.session !== null) this.observer?.left(record, room);
    this.detach(record, room);
  }

  private detach(record: ClientRecord, room: string): void {
    const members = this.rooms.get(room);
    // Only this record's own entry (never another record's that shares a broken id).
    if (members === undefined || members.get(record.id) !== record) return;
    members.delete(record.id);
    this.memberships--;
    if (members.size === 0) {
      this.rooms.delete(room);
      this.interest?.roomClosed(room);
    }
  }
}

/** What session recovery wants to know about memberships. */
export interface RoomObserver {
  joined(record: ClientRecord, room: string): void;
  left(record: ClientRecord, room: string): void;
}

function positive(name: string, n: number): number {
  if (typeof n !== 'number' || !(n >= 0)) throw new RangeError(`${name} must be a number ≥ 0, got ${n}`);
  return n;
}
