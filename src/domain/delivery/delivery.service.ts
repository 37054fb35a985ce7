import type { Clock } from '../../ports/clock.port';
import type { ClusterBus, ClusterDelivery } from '../../ports/cluster-bus.port';
import type { Logger } from '../../ports/logger.port';
import type { ClientRegistry } from '../client-registry.service';
import type { HookRunner } from '../hook-runner.service';
import type { BeforeBroadcastInfo } from '../hooks.types';
import { errorMessage } from '../hook-runner.service';
import { MessageType, type StelarMessage } from '../message';
import type { MessageSender } from '../message-sender.service';
import type { RecoveryService } from '../recovery/recovery.service';
import { ALL_STREAM, isRecordable, roomStream } from '../recovery/stream-names';
import type { RoomRegistry } from '../room-registry.service';
import type { FanOutService, SendOptions } from './fan-out.service';
import { filterOf, type BroadcastPlan } from './broadcast-plan';

const ALL = Object.freeze({ kind: 'all' }) as { readonly kind: 'all' };

/**
 * The one place that decides where a server → many message goes: which local recipients
 * (everyone, a room), whether `onBeforeBroadcast` lets it go, whether session recovery records
 * it (once per send), and what is handed to the other nodes (the cluster bus, or the
 * distributing stream store with recovery in a cluster). Writing to connections is the
 * {@link FanOutService}'s; direct sends to one client stay in {@link MessageSender}.
 */
export class DeliveryService {
  constructor(
    private readonly fan: FanOutService,
    private readonly sender: MessageSender,
    private readonly clients: ClientRegistry,
    private readonly rooms: RoomRegistry,
    private readonly hooks: HookRunner,
    private readonly logger: Logger,
    /** Null: a single node (nothing is published). */
    private readonly bus: ClusterBus | null = null,
    /** Session recovery (null or disabled: messages are not recorded nor positioned). */
    private readonly recovery: RecoveryService | null = null,
    private readonly clock: Clock | null = null,
  ) {}

  /** True when sends are recorded in streams (recovery on). */
  private get recording(): boolean {
    return this.recovery !== null && this.recovery.enabled;
  }

  private now(): number {
    return this.clock === null ? Date.now() : this.clock.now();
  }

  private get clustered(): boolean {
    return this.bus !== null && this.bus.clustered;
  }

  // ---------------------------------------------------------------- cluster-wide

  /**
   * To every client (cluster-wide), except `excludeId`. `onBeforeBroadcast` may cancel it.
   * `{ volatile: true }`: skipped (not queued) for clients whose send buffer is over
   * `maxBufferedBytes`, instead of dropping them as slow consumers.
   */
  broadcastEverywhere(original: StelarMessage, excludeId?: string, options?: SendOptions): void {
    const message = this.approve(original, excludeId);
    if (message === null) return;
    if (this.distributes(message, options)) {
      return this.distribute({ target: ALL, event: eventOf(message), data: dataOf(message), excludeId }, () => {
        this.deliverToAll(message, excludeId, options);
        this.publish({ target: ALL, event: eventOf(message), excludeId }, message);
      });
    }
    this.deliverToAll(message, excludeId, options);
    this.publish({ target: { kind: 'all' }, event: eventOf(message), excludeId }, message);
  }

  /** ctx.broadcast: everyone but the sender (a local client) and but `excludeId`. */
  broadcastFrom(senderId: string, original: StelarMessage, excludeId?: string): void {
    const skip = excludeId ?? senderId;
    const message = this.approve(original, skip);
    if (message === null) return;
    if (this.distributes(message, undefined)) {
      return this.distribute({ target: ALL, event: eventOf(message), data: dataOf(message), excludeId: skip, exclude2: senderId }, () => {
        this.deliverToAll(message, skip, { alsoExclude: senderId });
        this.publish({ target: ALL, event: eventOf(message), excludeId: skip }, message);
      });
    }
    this.deliverToAll(message, skip, { alsoExclude: senderId });
    // Other nodes never hold the sender; they skip only the caller's excludeId.
    this.publish({ target: { kind: 'all' }, event: eventOf(message), excludeId: skip }, message);
  }

  /** To every member of `room` (cluster-wide), except `excludeId`; `volatile` as for broadcast. */
  toRoomEverywhere(room: string, message: StelarMessage, excludeId?: string, options?: SendOptions): void {
    if (this.distributes(message, options)) {
      const target = { kind: 'room', room } as const;
      return this.distribute({ target, event: eventOf(message), data: dataOf(message), excludeId }, () => {
        this.toRoom(room, message, excludeId, options);
        this.publish({ target, event: eventOf(message), excludeId }, message);
      });
    }
    this.toRoom(room, message, excludeId, options);
    this.publish({ target: { kind: 'room', room }, event: eventOf(message), excludeId }, message);
  }

  /** To one client by id: O(1) locally, relayed through the cluster bus otherwise. */
  toIdEverywhere(id: string, message: StelarMessage): void {
    if (this.sender.toId(id, message)) return;
    const event = eventOf(message);
    const r = this.recovery;
    if (r !== null && r.distributed && this.clustered) {
      // Cluster + recovery: to the session's holder node, or into its direct stream while it is away.
      r.sendAway(id, message, this.now())
        .then((res) => {
          if (res === 'none') this.publish({ target: { kind: 'client', clientId: id }, event }, message);
        })
        .then(undefined, (err: unknown) => this.logger.warn(`direct send failed: ${errorMessage(err)}`));
      return;
    }
    this.publish({ target: { kind: 'client', clientId: id }, event }, message);
  }

  /**
   * True when `message` goes through the distributing stream store (cluster + recovery): it is
   * appended once for the whole cluster and every node, this one too, delivers it with its
   * position. Volatile sends and binary messages are not recorded: they take the usual path.
   */
  private distributes(message: StelarMessage, options: SendOptions | undefined): boolean {
    const r = this.recovery;
    return r !== null && r.enabled && r.distributed && this.clustered && isRecordable(message) && options?.volatile !== true;
  }

  /** Hands a delivery to the stream store; `fallback` delivers it without a position if the store is unreachable. */
  private distribute(delivery: ClusterDelivery, fallback: () => void): void {
    this.recovery!.streamStore.distribute!(delivery, this.now())
      .then((ok) => {
        if (!ok) fallback();
      })
      .then(undefined, (err: unknown) => this.logger.warn(`delivery without Redis failed: ${errorMessage(err)}`));
  }

  private publish(base: Omit<ClusterDelivery, 'data' | 'bytes'>, message: StelarMessage): void {
    if (!this.clustered) return;
    const payload =
      message.type === MessageType.Binary
        ? { bytes: message.bytes, meta: message.meta }
        : { data: (message as { data?: unknown }).data };
    this.bus!.publish({ ...base, ...payload });
  }

  // ---------------------------------------------------------------- the broadcast builder

  /**
   * `server.to(…).except(…).volatile.local.emit(…)`: `onBeforeBroadcast` (with `rooms` and
   * `except`), then this node's recipients of `plan`, then (unless `local`) the other nodes.
   * Recorded for session recovery, once, when the plan is one a stream can replay faithfully:
   * everyone or one room, at most two excepted names and none of them a room here, not
   * volatile; in a cluster (distributing store) only without `except`. Returns the local recipient count (-1: cancelled; 0 when the distributing stream
   * store delivers it, this node too, once appended).
   */
  send(plan: BroadcastPlan, original: StelarMessage): number {
    const message = this.approve(original, undefined, plan);
    if (message === null) return -1;
    const rooms = plan.rooms;
    if (plan.targeted && rooms.length === 0) return 0;
    const ids = this.recordableExcept(plan.except);
    const oneStream = rooms.length <= 1 && ids !== null && !plan.volatile;
    const options: SendOptions = { volatile: plan.volatile, except: filterOf(plan.except) };
    // Handed to the distributing store (recovery in a cluster) only without `except`: another
    // node's rooms are not known here, so a stream entry could not skip their members on replay.
    if (!plan.local && oneStream && plan.except.length === 0 && this.distributes(message, options)) {
      const target = rooms.length === 0 ? ALL : ({ kind: 'room', room: rooms[0] } as const);
      const delivery: ClusterDelivery = { target, event: eventOf(message), data: dataOf(message) };
      this.distribute(delivery, () => {
        this.sendHere(plan, message, options, null);
        this.publishPlan(plan, message);
      });
      return 0;
    }
    const count = this.sendHere(plan, message, options, oneStream ? ids : null);
    if (!plan.local) this.publishPlan(plan, message);
    return count;
  }

  /** This node's part of a plan; recorded (once) when `ids` is not null and recovery is on. */
  private sendHere(plan: BroadcastPlan, message: StelarMessage, options: SendOptions, ids: readonly (string | undefined)[] | null): number {
    const rooms = plan.rooms;
    const record = ids !== null && this.recording;
    if (rooms.length === 0) {
      const positioned = record ? this.recovery!.recordAll(message, ids[0], ids[1], this.now()) : null;
      return this.fan.fanOut(this.clients.values(), message, positioned, undefined, options);
    }
    if (rooms.length === 1) {
      const positioned = record ? this.recovery!.recordRoom(rooms[0], message, ids[0], ids[1], this.now()) : null;
      const members = this.rooms.members(rooms[0]);
      return members === undefined ? 0 : this.fan.fanOut(members.values(), message, positioned, undefined, options);
    }
    // Several rooms: each room's members but those of the rooms before it (one copy each).
    let count = 0;
    for (let i = 0; i < rooms.length; i++) {
      const members = this.rooms.members(rooms[i]);
      if (members === undefined) continue;
      const except = filterOf(i === 0 ? plan.except : [...rooms.slice(0, i), ...plan.except]);
      count += this.fan.fanOut(members.values(), message, null, undefined, { volatile: plan.volatile, except });
    }
    return count;
  }

  /** The other nodes' part: one delivery per target room, each skipping the rooms before it. */
  private publishPlan(plan: BroadcastPlan, message: StelarMessage): void {
    if (!this.clustered) return;
    const rooms = plan.rooms;
    if (rooms.length === 0) return this.publish(withExcept({ target: ALL, event: eventOf(message) }, plan.except), message);
    for (let i = 0; i < rooms.length; i++) {
      const skip = i === 0 ? plan.except : [...rooms.slice(0, i), ...plan.except];
      this.publish(withExcept({ target: { kind: 'room', room: rooms[i] }, event: eventOf(message) }, skip), message);
    }
  }

  /**
   * `except` as the (at most two) ids a stream entry can skip on replay; null when the names are
   * more than two or one is a room here (a replay could not skip that room's members).
   */
  private recordableExcept(except: readonly string[]): readonly [string | undefined, string | undefined] | null {
    if (except.length > 2) return null;
    for (const n of except) if (this.rooms.has(n)) return null;
    return [except[0], except[1]];
  }

  // ---------------------------------------------------------------- this node

  /**
   * Sends to every connected client except `excludeId`. `onBeforeBroadcast` returning false
   * cancels it (returns -1). Otherwise returns how many clients it was written to.
   */
  broadcast(original: StelarMessage, excludeId?: string, options?: SendOptions): number {
    const message = this.approve(original, excludeId);
    if (message === null) return -1;
    return this.deliverToAll(message, excludeId, options);
  }

  /** `onBeforeBroadcast` (if set) lets this broadcast go. */
  allowsBroadcast(message: StelarMessage, excludeId?: string): boolean {
    return this.approve(message, excludeId) !== null;
  }

  /**
   * `onBeforeBroadcast`, once per broadcast, on the node that starts it: null when it returned
   * false (cancelled), else the message to send (with the hook's `info.data` if it replaced it).
   */
  approve(message: StelarMessage, excludeId?: string, plan?: BroadcastPlan): StelarMessage | null {
    if (!this.hooks.has('onBeforeBroadcast')) return message;
    const info = broadcastInfo(message, excludeId);
    if (info === null) return message;
    const data = info.data;
    if (plan !== undefined) {
      info.rooms = plan.rooms;
      info.except = plan.except;
    }
    if (!this.hooks.call('onBeforeBroadcast', info)) return null;
    return info.data === data ? message : withData(message, info.data);
  }

  /**
   * Session recovery in a cluster: a message a distributing stream store already appended (its
   * position assigned for the whole cluster) to every local member of `room` (`room` null:
   * every local client), sessions getting `positioned`. Nothing is recorded here.
   */
  deliverPositioned(room: string | null, message: StelarMessage, positioned: StelarMessage, excludeId?: string, alsoExclude?: string): number {
    const options = alsoExclude === undefined ? undefined : { alsoExclude };
    if (room === null) return this.fan.fanOut(this.clients.values(), message, positioned, excludeId, options);
    const members = this.rooms.members(room);
    return members === undefined ? 0 : this.fan.fanOut(members.values(), message, positioned, excludeId, options);
  }

  /**
   * Sends to every local client except `excludeId` without consulting `onBeforeBroadcast`:
   * for deliveries another node already approved (cluster bus), so the hook runs once per
   * broadcast, on the node that started it.
   */
  deliverToAll(message: StelarMessage, excludeId?: string, options?: SendOptions): number {
    const positioned = this.recording ? this.recovery!.recordAll(message, excludeId, options?.alsoExclude, this.now()) : null;
    return this.fan.fanOut(this.clients.values(), message, positioned, excludeId, options);
  }

  /** Sends to every member of `room` except `excludeId`; returns the recipient count. */
  toRoom(room: string, message: StelarMessage, excludeId?: string, options?: SendOptions): number {
    // Recorded even without live members: suspended sessions of the room get it on resume.
    const positioned = this.recording ? this.recovery!.recordRoom(room, message, excludeId, options?.alsoExclude, this.now()) : null;
    const members = this.rooms.members(room);
    if (members === undefined) return 0;
    // The room holds the records themselves: no registry lookup per member. A member still
    // running its middleware is not Open and is skipped like an unregistered one.
    return this.fan.fanOut(members.values(), message, positioned, excludeId, options);
  }

  /**
   * Delivers a message published by another node to the local recipients (the bus's
   * `onDelivery`). Hooks are not consulted again. Returns the local recipient count.
   */
  deliverFromCluster(delivery: ClusterDelivery): number {
    const message: StelarMessage =
      delivery.bytes !== undefined
        ? { type: MessageType.Binary, event: delivery.event, bytes: delivery.bytes, meta: delivery.meta }
        : { type: MessageType.Event, event: delivery.event, data: delivery.data };
    const t = delivery.target;
    const pos = delivery.pos;
    const recovery = this.recovery;
    if (pos !== undefined && recovery !== null && recovery.enabled && t.kind !== 'client') {
      // Appended for the whole cluster by the publisher's stream store: delivered with its position.
      const wire = t.kind === 'room' ? roomStream(t.room) : ALL_STREAM;
      const positioned = recovery.positioned(wire, message, pos);
      return this.deliverPositioned(t.kind === 'room' ? t.room : null, message, positioned, delivery.excludeId, delivery.exclude2);
    }
    if (delivery.except !== undefined && t.kind !== 'client') return this.deliverExcept(delivery, message);
    switch (t.kind) {
      case 'all':
        return this.deliverToAll(message, delivery.excludeId);
      case 'room':
        return this.toRoom(t.room, message, delivery.excludeId);
      case 'client':
        if (t.clientId === delivery.excludeId) return 0;
        if (this.sender.toId(t.clientId, message)) return 1;
        // Sent here as the session's holder, but its connection just went: into its history instead.
        // (Unless its session is still held here: then the sender recorded it in its direct stream.)
        if (recovery !== null && recovery.distributed && !recovery.recordsDirect(t.clientId)) {
          void recovery.sendAway(t.clientId, message, this.now(), true);
        }
        return 0;
      default:
        return 0;
    }
  }

  /**
   * A builder delivery from another node (it carries `except`): the names skipped here too;
   * recorded by the same rule as on its origin (at most two names, none a room here).
   */
  private deliverExcept(delivery: ClusterDelivery, message: StelarMessage): number {
    const t = delivery.target;
    const names = delivery.except!;
    const options: SendOptions = { except: filterOf(names) };
    const ids = this.recording ? this.recordableExcept(names) : null;
    if (t.kind === 'room') {
      const positioned = ids === null ? null : this.recovery!.recordRoom(t.room, message, ids[0], ids[1], this.now());
      const members = this.rooms.members(t.room);
      return members === undefined ? 0 : this.fan.fanOut(members.values(), message, positioned, delivery.excludeId, options);
    }
    const positioned = ids === null ? null : this.recovery!.recordAll(message, ids[0], ids[1], this.now());
    return this.fan.fanOut(this.clients.values(), message, positioned, delivery.excludeId, options);
  }
}

/** `base` with its `except` names, when there are any. */
function withExcept(base: Omit<ClusterDelivery, 'data' | 'bytes'>, except: readonly string[]): Omit<ClusterDelivery, 'data' | 'bytes'> {
  return except.length === 0 ? base : { ...base, except };
}

/** `message` with other data (onBeforeBroadcast replaced `info.data`); bytes make a binary message. */
function withData(message: StelarMessage, data: unknown): StelarMessage {
  if (message.type === MessageType.AckResponse) return { ...message, data };
  const event = eventOf(message);
  if (data instanceof Uint8Array) return { type: MessageType.Binary, event, bytes: data };
  if (data instanceof ArrayBuffer) return { type: MessageType.Binary, event, bytes: new Uint8Array(data) };
  if (ArrayBuffer.isView(data)) return { type: MessageType.Binary, event, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  return { type: MessageType.Event, event, data };
}

/** The event name a cluster delivery carries (fan-outs send events and binary events). */
function eventOf(message: StelarMessage): string {
  return (message as { event?: string }).event ?? '';
}

/** The payload handed to a distributing stream store. */
function dataOf(message: StelarMessage): unknown {
  return message.type === MessageType.Binary ? message.bytes : (message as { data?: unknown }).data;
}

function broadcastInfo(message: StelarMessage, excludeId: string | undefined): BeforeBroadcastInfo | null {
  switch (message.type) {
    case MessageType.Event:
      return { event: message.event, data: message.data, excludeId };
    case MessageType.Binary:
      return { event: message.event, data: message.bytes, excludeId };
    case MessageType.AckResponse:
      return { event: message.ack, data: message.data, excludeId };
    default:
      return null;
  }
}
