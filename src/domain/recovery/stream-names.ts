import { MessageType, type MessagePosition, type StelarMessage } from '../message';

/** Wire name of a room's stream. */
export function roomStream(room: string): string {
  return '#' + room;
}

/** Wire name of a session's own stream (direct sends: toId, ctx.emit, ctx.ack pushes). */
export const DIRECT_STREAM = '@';
/** Wire name of the stream of broadcasts to every client. */
export const ALL_STREAM = '*';

/** Store key of a session's direct stream (the wire says `'@'`; the store needs the id). */
export function directStoreKey(sessionId: string): string {
  return '@' + sessionId;
}

/** The store key of a wire stream name for `sessionId`. */
export function storeKey(wire: string, sessionId: string): string {
  return wire === DIRECT_STREAM ? directStoreKey(sessionId) : wire;
}

/**
 * True for the messages a stream records: events, binary messages, ack pushes and answers to
 * requests (answers only through a session's direct stream). Room answers, Connect, Error and
 * heartbeats are not application messages of a stream.
 */
export function isRecordable(message: StelarMessage): boolean {
  return message.type === MessageType.Event || message.type === MessageType.Binary || message.type === MessageType.AckResponse;
}

/** The same message with its position (one object per send, shared by every recipient). */
export function withPosition(message: StelarMessage, pos: MessagePosition): StelarMessage {
  if (message.type === MessageType.Event) return { type: MessageType.Event, event: message.event, data: message.data, pos };
  if (message.type === MessageType.AckResponse) {
    return { type: MessageType.AckResponse, ack: message.ack, id: message.id, data: message.data, error: message.error, pos };
  }
  if (message.type === MessageType.Binary) {
    return { type: MessageType.Binary, event: message.event, bytes: message.bytes, meta: message.meta, pos };
  }
  return message;
}
