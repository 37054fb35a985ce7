import type { MessageCodec } from '../../ports/message-codec.port';
import { CloseCode, StelarError, answerError, type StelarErrorCode } from '../../domain/errors';
import { MessageType, type StelarMessage } from '../../domain/message';
import type { ClientConnectionBase as BaseStelarClient } from './client-connection.base';

/**
 * Dispatches one inbound message body for `client`: decode, then route by type. A body that
 * does not decode is reported (`error` event / onError, context `decode`) and dropped; the
 * connection stays open (docs/PROTOCOL.md, "Validation").
 */
export function handleInbound(client: BaseStelarClient, codec: MessageCodec, payload: Uint8Array, binary: boolean): void {
  // Any traffic proves the server is alive, not only pongs.
  client.heartbeat.seen();
  let msg: StelarMessage;
  try {
    msg = codec.decode(payload, binary);
  } catch (err) {
    client.reportError(err instanceof Error ? err : new Error(String(err)), 'decode');
    return;
  }
  switch (msg.type) {
    case MessageType.Ping:
      client.sendPong();
      return;
    case MessageType.Pong:
      return;
    case MessageType.Connect:
      client.sessionStarted(msg.clientId, msg.maxPayloadSize, msg.session);
      return;
    case MessageType.Event:
      // Session recovery: a position already seen is a duplicate (replay overlap): dropped.
      if (msg.pos !== undefined && !client.resume.seen(msg.pos)) return;
      client.messagesReceived++;
      deliver(client, msg.event, msg.data, false, undefined);
      return;
    case MessageType.AckRequest:
      // The client has no request handlers: a server request is delivered as a plain event.
      client.messagesReceived++;
      deliver(client, msg.event, msg.data, false, undefined);
      return;
    case MessageType.Binary: {
      if (msg.pos !== undefined && !client.resume.seen(msg.pos)) return;
      client.messagesReceived++;
      const wrap = client.deps.wrapBinary;
      deliver(client, msg.event, wrap ? wrap(msg.bytes) : msg.bytes, true, msg.meta);
      return;
    }
    case MessageType.AckResponse:
      if (msg.pos !== undefined && !client.resume.seen(msg.pos)) return;
      client.messagesReceived++;
      client.callHook('onMessage', { event: msg.ack, data: msg.error !== undefined ? { error: msg.error } : msg.data, isBinary: false });
      if (msg.id !== undefined) {
        // Session recovery: the server may forget its cached answers up to here.
        if (msg.pos !== undefined) client.answerSeen(msg.pos.offset);
        client.sendLog?.requests.delete(msg.id);
        const settled =
          msg.error !== undefined ? client.acks.reject(msg.id, answerError(msg.error)) : client.acks.resolve(msg.id, msg.data);
        // A late answer (already timed out or disconnected) is ignored on purpose.
        if (!settled) client.logger.debug(`[stelar-client] ignored late answer #${msg.id} for "${msg.ack}"`);
        return;
      }
      client.ackListeners.dispatch(msg.ack, msg.data);
      return;
    case MessageType.JoinRoom:
    case MessageType.LeaveRoom:
      client.messagesReceived++;
      if (msg.id !== undefined && client.acks.resolve(msg.id, msg)) return;
      if (msg.ok === false) client.roomRefused(msg);
      return;
    case MessageType.Error:
      // A refusal with a retry hint (the server shed the attempt): the reconnection waits within it.
      if (msg.retryAfter !== undefined && msg.retryAfter > 0) client.retryHint = msg.retryAfter;
      client.reportError(new StelarError(msg.code as StelarErrorCode, msg.message, CloseCode.Normal), 'server');
      return;
    case MessageType.Confirm:
      // Session recovery: the server processed every message up to `seq`.
      if (msg.seq !== undefined) client.confirmed(msg.seq);
      return;
    case MessageType.Disconnect:
      // The transport close follows; the disconnect event reports the server's code and reason.
      client.serverDisconnect = { code: msg.code, reason: msg.reason };
      return;
  }
}

function deliver(client: BaseStelarClient, event: string, data: unknown, isBinary: boolean, meta: unknown): void {
  client.callHook('onMessage', { event, data, isBinary });
  client.listeners.dispatch(event, data, meta);
  const all = client.allListeners;
  if (all.length === 0) return;
  const envelope = meta === undefined ? { event, data, isBinary } : { event, data, isBinary, meta };
  for (let i = 0; i < all.length; i++) {
    try {
      all[i](envelope);
    } catch (err) {
      client.reportError(err instanceof Error ? err : new Error(String(err)), 'listener:*');
    }
  }
}
