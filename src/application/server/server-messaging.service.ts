import type { ClusterBus } from '../../ports/cluster-bus.port';
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
import type { DeliveryService } from '../../domain/delivery/delivery.service';
import { BroadcastBuilder } from '../../domain/delivery/broadcast.builder';
import type { BroadcastPlan } from '../../domain/delivery/broadcast-plan';

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
 * Server → client sending for the facade (`server.broadcast`, `to`, `toId`) and for contexts
 * (`ctx.emit`, `ctx.broadcast`, `ctx.join`, `ctx.ack` … through {@link ContextOps}): checks the
 * event name, builds the message and hands it over. It decides no routing: fan-outs go to the
 * domain's DeliveryService (local recipients, recovery, the cluster), direct sends to the
 * MessageSender. Built from domain services only, so contexts depend on nothing that depends
 * on them.
 */
export class ServerMessaging implements ContextOps {
  constructor(
    private readonly sender: MessageSender,
    private readonly delivery: DeliveryService,
    private readonly clients: ClientRegistry,
    private readonly rooms: RoomRegistry,
    private readonly replier: RequestReplier,
    private readonly bus: ClusterBus,
    private readonly logger: Logger,
    /** Session recovery (ctx.setMetadata is saved with the session). */
    private readonly recovery: RecoveryService | null = null,
  ) {}

  /**
   * To every client (cluster-wide), except `excludeId`. `onBeforeBroadcast` may cancel it.
   * `{ volatile: true }`: skipped (not queued) for clients whose send buffer is over
   * `maxBufferedBytes`, instead of dropping them as slow consumers.
   */
  broadcast(event: string, data: unknown, excludeId?: string, options?: SendOptions): void {
    checkEventName(event);
    this.delivery.broadcastEverywhere(eventMessage(event, data), excludeId, options);
  }

  /** ctx.broadcast: everyone but the sender (a local client) and but `excludeId`. */
  broadcastFrom(senderId: string, event: string, data: unknown, excludeId?: string): void {
    checkEventName(event);
    this.delivery.broadcastFrom(senderId, eventMessage(event, data), excludeId);
  }

  /** To every member of `room` (cluster-wide), except `excludeId`; `volatile` as for broadcast. */
  to(room: string, event: string, data: unknown, excludeId?: string, options?: SendOptions): void {
    checkEventName(event);
    this.delivery.toRoomEverywhere(room, eventMessage(event, data), excludeId, options);
  }

  /** The broadcast builder every `server.to(…)`, `except`, `volatile`, `local` starts from. */
  readonly everyone = new BroadcastBuilder((plan, event, data) => this.emitPlan(plan, event, data));

  /** A builder's emit: the message checked and built here; where it goes is the DeliveryService's. */
  private emitPlan(plan: BroadcastPlan, event: string, data: unknown): void {
    checkEventName(event);
    this.delivery.send(plan, eventMessage(event, data));
  }

  /** To one client by id: O(1) locally, relayed through the cluster bus otherwise. */
  toId(id: string, event: string, data: unknown): void {
    checkEventName(event);
    this.delivery.toIdEverywhere(id, eventMessage(event, data));
  }

  // ---------------------------------------------------------------- ContextOps (ctx.*)

  emitTo(record: ClientRecord, event: string, data: unknown): void {
    checkEventName(event);
    this.sender.sendDirect(record, eventMessage(event, data));
  }

  emitBinaryTo(record: ClientRecord, event: string, bytes: Uint8Array): void {
    checkEventName(event);
    this.sender.sendDirect(record, { type: MessageType.Binary, event, bytes });
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
