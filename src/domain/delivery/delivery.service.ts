import type { Clock } from '../../ports/clock.port';
import type { ClusterBus, ClusterDelivery } from '../../ports/cluster-bus.port';
import type { Logger } from '../../ports/logger.port';
import type { ClientRegistry } from '../client-registry.service';
import type { HookRunner } from '../hook-runner.service';
import { errorMessage } from '../hook-runner.service';
import { MessageType, type StelarMessage } from '../message';
import type { MessageSender } from '../message-sender.service';
import type { RecoveryService } from '../recovery/recovery.service';
import { ALL_STREAM, isRecordable, roomStream } from '../recovery/stream-names';
import type { RoomRegistry } from '../room-registry.service';
import type { FanOutService, SendOptions } from './fan-out.service';

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
  broadcastEverywhere(message: StelarMessage, excludeId?: string, options?: SendOptions): void {
    if (this.distributes(message, options)) {
      if (!this.allowsBroadcast(message, excludeId)) return;
      return this.distribute({ target: ALL, event: eventOf(message), data: dataOf(message), excludeId }, () => {
        this.deliverToAll(message, excludeId, options);
        this.publish({ target: ALL, event: eventOf(message), excludeId }, message);
      });
    }
    if (this.broadcast(message, excludeId, options) === -1) return;
    this.publish({ target: { kind: 'all' }, event: eventOf(message), excludeId }, message);
  }

  /** ctx.broadcast: everyone but the sender (a local client) and but `excludeId`. */
  broadcastFrom(senderId: string, message: StelarMessage, excludeId?: string): void {
    const skip = excludeId ?? senderId;
    if (this.distributes(message, undefined)) {
      if (!this.allowsBroadcast(message, skip)) return;
      return this.distribute({ target: ALL, event: eventOf(message), data: dataOf(message), excludeId: skip, exclude2: senderId }, () => {
        this.deliverToAll(message, skip, { alsoExclude: senderId });
        this.publish({ target: ALL, event: eventOf(message), excludeId: skip }, message);
      });
    }
    if (this.broadcast(message, skip, { alsoExclude: senderId }) === -1) return;
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
    if (!this.sender.toId(id, message)) this.publish({ target: { kind: 'client', clientId: id }, event: eventOf(message) }, message);
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

  // ---------------------------------------------------------------- this node

  /**
   * Sends to every connected client except `excludeId`. `onBeforeBroadcast` returning false
   * cancels it (returns -1). Otherwise returns how many clients it was written to.
   */
  broadcast(message: StelarMessage, excludeId?: string, options?: SendOptions): number {
    if (!this.allowsBroadcast(message, excludeId)) return -1;
    return this.deliverToAll(message, excludeId, options);
  }

  /** `onBeforeBroadcast` (if set) lets this broadcast go. */
  allowsBroadcast(message: StelarMessage, excludeId?: string): boolean {
    if (!this.hooks.has('onBeforeBroadcast')) return true;
    const info = broadcastInfo(message, excludeId);
    return info === null || this.hooks.call('onBeforeBroadcast', info);
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
    switch (t.kind) {
      case 'all':
        return this.deliverToAll(message, delivery.excludeId);
      case 'room':
        return this.toRoom(t.room, message, delivery.excludeId);
      case 'client':
        return t.clientId !== delivery.excludeId && this.sender.toId(t.clientId, message) ? 1 : 0;
      default:
        return 0;
    }
  }
}

/** The event name a cluster delivery carries (fan-outs send events and binary events). */
function eventOf(message: StelarMessage): string {
  return (message as { event?: string }).event ?? '';
}

/** The payload handed to a distributing stream store. */
function dataOf(message: StelarMessage): unknown {
  return message.type === MessageType.Binary ? message.bytes : (message as { data?: unknown }).data;
}

function broadcastInfo(
  message: StelarMessage,
  excludeId: string | undefined,
): { event: string; data: unknown; excludeId?: string } | null {
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
