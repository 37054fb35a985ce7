import type { ClusterBus, ClusterDelivery } from '../../ports/cluster-bus.port';
import type { Logger } from '../../ports/logger.port';
import type { ClientRecord } from '../../domain/client-record';
import type { ClientRegistry } from '../../domain/client-registry.service';
import type { PendingRequest } from '../../domain/context.types';
import { listClients } from '../../domain/local-cluster-state';
import { MessageType, type StelarMessage } from '../../domain/message';
import type { MessageSender, SendOptions } from '../../domain/message-sender.service';
import { assertName } from '../../domain/name-validation';
import type { RequestReplier } from '../../domain/request-replier.service';
import type { RoomRegistry } from '../../domain/room-registry.service';
import { toBytes, type ContextOps } from './stelar-context';
import { checkAdminClose } from '../../domain/admin-close';
import type { RecoveryService } from '../../domain/recovery/recovery.service';
import { isRecordable } from '../../domain/recovery/stream-names';
import type { Clock } from '../../ports/clock.port';

const ALL = Object.freeze({ kind: 'all' }) as { readonly kind: 'all' };

function isBinaryData(data: unknown): data is ArrayBuffer | ArrayBufferView {
  return data instanceof ArrayBuffer || ArrayBuffer.isView(data);
}

function checkEventName(event: string): void {
  assertName(event, 'event', true);
}

/** JSON event, or a Binary message when `data` is an ArrayBuffer / typed array / Buffer. */
function eventMessage(event: string, data: unknown): StelarMessage {
  return isBinaryData(data)
    ? { type: MessageType.Binary, event, bytes: toBytes(data) }
    : { type: MessageType.Event, event, data };
}

/**
 * Server → client delivery for the facade (`server.broadcast`, `to`, `toId`) and for contexts
 * (`ctx.emit`, `ctx.broadcast`, `ctx.join`, `ctx.ack` … through {@link ContextOps}): this node
 * first (the domain's MessageSender), then the other nodes through the cluster bus. Built from
 * the sender, the room registry and the replier only, so contexts depend on nothing that
 * depends on them.
 */
export class ServerMessaging implements ContextOps {
  constructor(
    private readonly sender: MessageSender,
    private readonly clients: ClientRegistry,
    private readonly rooms: RoomRegistry,
    private readonly replier: RequestReplier,
    private readonly bus: ClusterBus,
    private readonly logger: Logger,
    /** Session recovery; in cluster mode with a distributing stream store, room sends and broadcasts go through it. */
    private readonly recovery: RecoveryService | null = null,
    private readonly clock: Clock | null = null,
  ) {}

  /**
   * True when `message` goes through the distributing stream store (cluster + recovery): it is
   * appended once for the whole cluster and every node, this one too, delivers it with its
   * position. Volatile sends and binary messages are not recorded: they take the usual path.
   */
  private distributes(message: StelarMessage, options: SendOptions | undefined): boolean {
    const r = this.recovery;
    return r !== null && r.enabled && r.distributed && this.bus.clustered && isRecordable(message) && options?.volatile !== true;
  }

  /** Hands a delivery to the stream store; `fallback` delivers it without a position if the store is unreachable. */
  private distribute(delivery: ClusterDelivery, fallback: () => void): void {
    const now = this.clock === null ? Date.now() : this.clock.now();
    this.recovery!.streamStore.distribute!(delivery, now)
      .then((ok) => {
        if (!ok) fallback();
      })
      .then(undefined, (err: unknown) => this.logger.warn(`delivery without Redis failed: ${err instanceof Error ? err.message : String(err)}`));
  }

  /**
   * To every client (cluster-wide), except `excludeId`. `onBeforeBroadcast` may cancel it.
   * `{ volatile: true }`: skipped (not queued) for clients whose send buffer is over
   * `maxBufferedBytes`, instead of dropping them as slow consumers.
   */
  broadcast(event: string, data: unknown, excludeId?: string, options?: SendOptions): void {
    checkEventName(event);
    const message = eventMessage(event, data);
    if (this.distributes(message, options)) {
      if (!this.sender.allowsBroadcast(message, excludeId)) return;
      return this.distribute({ target: ALL, event, data, excludeId }, () => {
        this.sender.deliverToAll(message, excludeId, options);
        this.publish({ target: ALL, event, excludeId }, message);
      });
    }
    if (this.sender.broadcast(message, excludeId, options) === -1) return;
    this.publish({ target: { kind: 'all' }, event, excludeId }, message);
  }

  /** ctx.broadcast: everyone but the sender (a local client) and but `excludeId`. */
  broadcastFrom(senderId: string, event: string, data: unknown, excludeId?: string): void {
    checkEventName(event);
    const message = eventMessage(event, data);
    const skip = excludeId ?? senderId;
    if (this.distributes(message, undefined)) {
      if (!this.sender.allowsBroadcast(message, skip)) return;
      return this.distribute({ target: ALL, event, data, excludeId: skip, exclude2: senderId }, () => {
        this.sender.deliverToAll(message, skip, { alsoExclude: senderId });
        this.publish({ target: ALL, event, excludeId: skip }, message);
      });
    }
    if (this.sender.broadcast(message, skip, { alsoExclude: senderId }) === -1) return;
    // Other nodes never hold the sender; they skip only the caller's excludeId.
    this.publish({ target: { kind: 'all' }, event, excludeId: skip }, message);
  }

  /** To every member of `room` (cluster-wide), except `excludeId`; `volatile` as for broadcast. */
  to(room: string, event: string, data: unknown, excludeId?: string, options?: SendOptions): void {
    checkEventName(event);
    const message = eventMessage(event, data);
    if (this.distributes(message, options)) {
      const target = { kind: 'room', room } as const;
      return this.distribute({ target, event, data, excludeId }, () => {
        this.sender.toRoom(room, message, excludeId, options);
        this.publish({ target, event, excludeId }, message);
      });
    }
    this.sender.toRoom(room, message, excludeId, options);
    this.publish({ target: { kind: 'room', room }, event, excludeId }, message);
  }

  /** To one client by id: O(1) locally, relayed through the cluster bus otherwise. */
  toId(id: string, event: string, data: unknown): void {
    checkEventName(event);
    const message = eventMessage(event, data);
    if (this.sender.toId(id, message)) return;
    const r = this.recovery;
    if (r !== null && r.distributed && this.bus.clustered) {
      // Cluster + recovery: to the session's holder node, or into its direct stream while it is away.
      const now = this.clock === null ? Date.now() : this.clock.now();
      r.sendAway(id, message, now)
        .then((res) => {
          if (res === 'none') this.publish({ target: { kind: 'client', clientId: id }, event }, message);
        })
        .then(undefined, (err: unknown) => this.logger.warn(`direct send failed: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    this.publish({ target: { kind: 'client', clientId: id }, event }, message);
  }

  private publish(base: Omit<ClusterDelivery, 'data' | 'bytes'>, message: StelarMessage): void {
    if (!this.bus.clustered) return;
    const payload =
      message.type === MessageType.Binary
        ? { bytes: message.bytes, meta: message.meta }
        : { data: (message as { data?: unknown }).data };
    this.bus.publish({ ...base, ...payload });
  }

  // ---------------------------------------------------------------- ContextOps (ctx.*)

  emitTo(record: ClientRecord, event: string, data: unknown): void {
    checkEventName(event);
    this.sender.sendDirect(record, eventMessage(event, data));
  }

  emitBinaryTo(record: ClientRecord, event: string, bytes: Uint8Array): void {
    checkEventName(event);
    this.sender.sendTo(record, { type: MessageType.Binary, event, bytes });
  }

  getClients(room?: string): { id: string; rooms: string[] }[] {
    return listClients(this.clients, this.rooms, room);
  }

  joinRoom(record: ClientRecord, room: string): void {
    const r = this.rooms.join(record, room);
    // Tell the client, so its room list (rejoined after a reconnect) stays in step.
    if (r.ok && r.changed) {
      // Confirmed once deliveries to the room from other nodes reach this one (docs/CLUSTER.md).
      const ready = this.rooms.ready(room);
      const confirm = () => void this.sender.sendTo(record, { type: MessageType.JoinRoom, room, ok: true });
      if (ready === undefined) confirm();
      else void ready.then(confirm);
    } else if (!r.ok) this.logger.debug(`join of "${room}" by ${record.id} refused: ${r.reason}`);
  }

  leaveRoom(record: ClientRecord, room: string): void {
    const r = this.rooms.leave(record, room);
    if (r.ok && r.changed) this.sender.sendTo(record, { type: MessageType.LeaveRoom, room, ok: true });
  }

  reply(record: ClientRecord, request: PendingRequest, data: unknown, ackName: string): void {
    this.replier.reply(record, request, data, ackName);
  }

  pushAck(record: ClientRecord, ackName: string, data: unknown): void {
    this.sender.sendDirect(record, { type: MessageType.AckResponse, ack: ackName, data });
  }

  metadataChanged(record: ClientRecord): void {
    if (record.session !== null) this.recovery?.metadataChanged(record.session, record.info.metadataIfAny());
  }

  /** ctx.disconnect: closes this client. */
  disconnectRecord(record: ClientRecord, code: number, reason: string): void {
    checkAdminClose(code, reason);
    this.sender.adminClose(record, code, reason);
  }

  /**
   * server.disconnect: closes client `id` here (true), or asks the other nodes to (false;
   * at most once, like every cluster delivery).
   */
  disconnect(id: string, code: number, reason: string): boolean {
    checkAdminClose(code, reason);
    const record = this.clients.get(id);
    if (record !== undefined && this.sender.adminClose(record, code, reason)) return true;
    if (record === undefined) this.sender.endSession(id); // a suspended session (recovery) ends too
    if (record === undefined && this.bus.clustered) this.bus.disconnect?.(id, code, reason);
    return false;
  }

  /** Removes client `id` from `room` (the dashboard); true when it was in it and left. */
  removeFromRoom(id: string, room: string): boolean {
    const record = this.clients.get(id);
    if (record === undefined || !record.info.inRoom(room)) return false;
    this.leaveRoom(record, room);
    return !record.info.inRoom(room);
  }
}
