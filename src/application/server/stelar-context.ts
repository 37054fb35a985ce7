import type { Protocol } from '../../ports/connection.port';
import type { Socket as NetSocket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { ClientRecord, StelarClientInfo } from '../../domain/client-record';
import type { ContextFactory, InboundEvent, PendingRequest } from '../../domain/context.types';
import type { BinaryMeta } from '../../domain/message';
import type { StelarContext } from './server-types';

/** What a context needs from the server (implemented by `ServerMessaging`). */
export interface ContextOps {
  emitTo(record: ClientRecord, event: string, data: unknown): void;
  emitBinaryTo(record: ClientRecord, event: string, bytes: Uint8Array): void;
  broadcast(event: string, data: unknown, excludeId?: string): void;
  /** To everyone but `senderId` (and but `excludeId` when given). */
  broadcastFrom(senderId: string, event: string, data: unknown, excludeId?: string): void;
  to(room: string, event: string, data: unknown, excludeId?: string): void;
  toId(id: string, event: string, data: unknown): void;
  getClients(room?: string): { id: string; rooms: string[] }[];
  joinRoom(record: ClientRecord, room: string): void;
  leaveRoom(record: ClientRecord, room: string): void;
  reply(record: ClientRecord, request: PendingRequest, data: unknown, ackName: string): void;
  /** An unsolicited ack push to the client's onAck(name) listeners. */
  pushAck(record: ClientRecord, ackName: string, data: unknown): void;
  /** Closes this client (`ctx.disconnect`). */
  disconnectRecord(record: ClientRecord, code: number, reason: string): void;
  /** Session recovery: the metadata of a client holding a session changed (a networked store writes it). */
  metadataChanged?(record: ClientRecord): void;
}

/** Normalises an ArrayBuffer / typed array / Buffer to a Uint8Array view without copying. */
export function toBytes(buffer: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (buffer instanceof Uint8Array) return buffer;
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  throw new TypeError('expected an ArrayBuffer, a typed array or a Buffer');
}

/**
 * The context of one connection. Handlers of a single message get `Object.create(connectionCtx)`
 * with the message fields set on top, so nothing is allocated per message but that small object:
 * the methods live on this prototype and read `this`.
 */
class Context implements StelarContext {
  // `declare`: no per-instance fields. A connection's context holds only `record` and `ops`
  // (idle memory); message contexts set the fields they carry as own properties.
  declare data: unknown;
  declare buffer?: Uint8Array;
  declare isBinary?: boolean;
  declare event?: string;
  declare error?: Error;
  declare _correlationId?: string;
  declare meta?: BinaryMeta;
  /** The pending request this context answers (AckRequest contexts only). */
  declare _request?: PendingRequest;

  constructor(
    private readonly record: ClientRecord,
    private readonly ops: ContextOps,
  ) {}

  get id(): string {
    return this.record.info.id;
  }
  get socket(): NetSocket {
    return this.record.conn.socket as NetSocket;
  }
  get req(): IncomingMessage | null {
    return (this.record.conn.request as IncomingMessage | null) ?? null;
  }
  get clientInfo(): StelarClientInfo {
    return this.record.info;
  }
  /**
   * Handshake headers: the WebSocket upgrade request's, or the `headers` a TCP client sent in its
   * Connect hello (`ctx.req` is null for TCP). Lets one middleware authenticate both transports.
   */
  get headers(): Readonly<Record<string, string | string[] | undefined>> {
    const headers = this.record.conn.handshakeHeaders;
    if (headers) return headers;
    return (this.record.hello?.headers as Record<string, string> | undefined) ?? {};
  }

  get protocol(): Protocol {
    return this.record.info.protocol;
  }
  get remoteAddress(): string {
    return this.record.info.remoteAddress;
  }

  emit(event: string, data: unknown): void {
    this.ops.emitTo(this.record, event, data);
  }

  /** Answers the current request when there is one (labelled `respId`), else pushes an ack. */
  send(respId: string, data: unknown): void {
    this.ack(respId, data);
  }

  emitBinary(event: string, buffer: ArrayBuffer | Uint8Array): void {
    this.ops.emitBinaryTo(this.record, event, toBytes(buffer));
  }

  broadcast(event: string, data: unknown, excludeId?: string): void {
    // Always excludes the sender, and also `excludeId` when given (the 3.x README passes ctx.id).
    this.ops.broadcastFrom(this.record.info.id, event, data, excludeId);
  }

  broadcastBinary(event: string, buffer: ArrayBuffer | Uint8Array): void {
    this.ops.broadcastFrom(this.record.info.id, event, toBytes(buffer));
  }

  to(room: string, event: string, data: unknown, excludeId?: string): void {
    this.ops.to(room, event, data, excludeId);
  }

  toId(id: string, event: string, data: unknown): void {
    this.ops.toId(id, event, data);
  }

  getClients(room?: string): { id: string; rooms: string[] }[] {
    return this.ops.getClients(room);
  }

  joinRoom(room: string): void {
    this.ops.joinRoom(this.record, room);
  }

  leaveRoom(room: string): void {
    this.ops.leaveRoom(this.record, room);
  }

  /** Closes this client's connection with `code` (default 1000) and `reason`. */
  disconnect(code: number = 1000, reason = ''): void {
    this.ops.disconnectRecord(this.record, code, reason);
  }

  setMetadata(key: string, value: unknown): void {
    this.record.info.metadata.set(key, value);
    if (this.record.session !== null) this.ops.metadataChanged?.(this.record);
  }

  getMetadata(key: string): unknown {
    // Reading never creates the (lazily held) metadata Map.
    return this.record.info.metadataIfAny()?.get(key);
  }

  /**
   * Inside a request handler: answers that request (once) with `data`, labelled `ackName`.
   * Anywhere else (or after the request was answered): pushes `data` to the client's
   * `onAck(ackName)` listeners.
   */
  ack(ackName: string, data: unknown): void {
    const request = this._request;
    if (request !== undefined && !request.answered) this.ops.reply(this.record, request, data, ackName);
    else this.ops.pushAck(this.record, ackName, data);
  }
}

/** Builds StelarContexts for the domain (ContextFactory port of the connection service). */
export class StelarContextFactory implements ContextFactory<StelarContext> {
  /** `ops`: what the contexts act on (the server's {@link ServerMessaging}). */
  constructor(private readonly ops: ContextOps) {}

  create(record: ClientRecord, inbound?: InboundEvent): StelarContext {
    const ops = this.ops;
    if (inbound === undefined) return new Context(record, ops);
    const base = (record.connectionContext as Context | undefined) ?? new Context(record, ops);
    const ctx = Object.create(base) as Context;
    ctx.event = inbound.event;
    if (inbound.binary) {
      const bytes = inbound.bytes ?? new Uint8Array(0);
      // Binary handlers read ctx.data (a Buffer, as the 3.x docs show) or ctx.buffer.
      ctx.data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      ctx.buffer = bytes;
      ctx.isBinary = true;
      if (inbound.meta !== undefined) ctx.meta = inbound.meta;
    } else {
      ctx.data = inbound.data;
      ctx.isBinary = false;
    }
    if (inbound.request !== undefined) {
      ctx._request = inbound.request;
      ctx._correlationId = String(inbound.request.id);
    }
    return ctx;
  }
}
