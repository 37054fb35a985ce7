import type { MessageCodec } from '../../ports/message-codec.port';
import type { OutboundMessage } from '../../ports/connection.port';
import { MessageType, type StelarMessage } from '../../domain/message';
import { WS_PROTOCOL } from '../websocket/ws.protocol';
import { CloseCode, StelarErrorCode } from '../../domain/errors';
import { ErrorPrefix, createError } from '../socket/protocol-errors';
import { decodeBinaryMessage, decodeEnvelope, encodeBinaryMessage } from './binary-envelope';
import { assertMessageNames } from '../../domain/name-validation';
import { jsonField, quoteName } from './json-text';
import { decodeUtf8, encodeUtf8 } from './utf8';
import {
  asObject,
  invalidMessage,
  parseJson,
  readHeaders,
  readId,
  readName,
  readOptionalBoolean,
  readOptionalId,
  readOptionalString,
  readString,
  readUint,
  positionJson,
  readOptionalPosition,
  readOptionalSession,
  readOptionalSeq,
  readOptionalUint,
} from './message-fields';

// Constant messages are encoded once at load time; each encode() still returns a fresh
// OutboundMessage because transports may fill its frameCache.
const PING_TEXT = encodeUtf8('{"t":2}');
const PONG_TEXT = encodeUtf8('{"t":3}');

/**
 * The WebSocket codec (docs/PROTOCOL.md, "WebSocket mapping"): every message but Binary is a
 * text frame holding one JSON object with the type code in `t` and short keys; Binary events are
 * binary frames holding the shared envelope `01 | eventLen | event[\0meta] | bytes`.
 * Browser-safe: no Node imports (it is bundled into the browser client).
 */
export class WsJsonCodec implements MessageCodec {
  readonly protocol = WS_PROTOCOL;

  /**
   * Encodes once (one JSON.stringify, one UTF-8 encoding). Throws TypeError for an invalid
   * event/room/ack name and whatever JSON.stringify throws for unserialisable data.
   */
  encode(message: StelarMessage): OutboundMessage {
    assertMessageNames(message);
    let json: string;
    switch (message.type) {
      case MessageType.Event:
        json =
          '{"t":0,"e":' +
          quoteName(message.event) +
          jsonField(',"d":', message.data) +
          (message.pos === undefined ? '' : ',"p":' + positionJson(message.pos)) +
          (message.seq === undefined ? '' : ',"s":' + message.seq) +
          '}';
        break;
      case MessageType.Binary:
        return { payload: encodeBinaryMessage(message, false), binary: true, frameCache: undefined };
      case MessageType.Ping:
        return { payload: PING_TEXT, binary: false, frameCache: undefined };
      case MessageType.Pong:
        return { payload: PONG_TEXT, binary: false, frameCache: undefined };
      case MessageType.AckRequest:
        json =
          '{"t":4,"e":' +
          quoteName(message.event) +
          ',"a":' +
          quoteName(message.ack) +
          jsonField(',"i":', message.id) +
          jsonField(',"d":', message.data) +
          (message.seq === undefined ? '' : ',"s":' + message.seq) +
          '}';
        break;
      case MessageType.AckResponse:
        json =
          '{"t":5,"a":' +
          quoteName(message.ack) +
          jsonField(',"i":', message.id) +
          jsonField(',"d":', message.data) +
          jsonField(',"x":', message.error) +
          (message.pos === undefined ? '' : ',"p":' + positionJson(message.pos)) +
          '}';
        break;
      case MessageType.Connect:
        json =
          message.version !== undefined
            ? JSON.stringify({ t: 6, v: message.version, headers: message.headers, session: message.sessionOffer })
            : JSON.stringify({
                t: 6,
                id: message.clientId,
                maxPayloadSize: message.maxPayloadSize,
                heartbeatInterval: message.heartbeatInterval,
                session: message.session,
              });
        break;
      case MessageType.Disconnect:
        json = JSON.stringify({ t: 7, c: message.code, r: message.reason });
        break;
      case MessageType.JoinRoom:
      case MessageType.LeaveRoom:
        json = JSON.stringify({
          t: message.type,
          room: message.room,
          i: message.id,
          ok: message.ok,
          x: message.reason,
        });
        break;
      case MessageType.Error:
        json = JSON.stringify({ t: 10, code: message.code, message: message.message });
        break;
      case MessageType.Confirm:
        json = JSON.stringify({ t: 11, s: message.seq, o: message.offset });
        break;
      default:
        throw new TypeError(`Unknown message type ${(message as { type: unknown }).type}`);
    }
    return { payload: encodeUtf8(json), binary: false, frameCache: undefined };
  }

  /**
   * Decodes one WebSocket message. Throws a ProtocolError: INVALID_UTF8 / INVALID_JSON (1007),
   * INVALID_FRAME_TYPE (1003), INVALID_MESSAGE / INVALID_EVENT_NAME / TRUNCATED_FRAME (1002).
   * A binary message's `bytes` is a zero-copy view into `payload`.
   */
  decode(payload: Uint8Array, binary: boolean): StelarMessage {
    if (binary) {
      const env = decodeEnvelope(payload);
      if (env.type !== MessageType.Binary) {
        throw createError(ErrorPrefix.Message, `binary WebSocket messages must be type 1, got ${env.type}`, StelarErrorCode.InvalidFrameType, CloseCode.UnsupportedData);
      }
      return decodeBinaryMessage(env);
    }
    const o = asObject(parseJson(decodeUtf8(payload)), 'a text message');
    const t = o.t;
    switch (t) {
      case MessageType.Event:
        if (o.s !== undefined) return { type: MessageType.Event, event: readName(o.e, 'event'), data: o.d, seq: readOptionalSeq(o.s) };
        return o.p === undefined
          ? { type: MessageType.Event, event: readName(o.e, 'event'), data: o.d }
          : { type: MessageType.Event, event: readName(o.e, 'event'), data: o.d, pos: readOptionalPosition(o.p) };
      case MessageType.Ping:
        return { type: MessageType.Ping };
      case MessageType.Pong:
        return { type: MessageType.Pong };
      case MessageType.AckRequest:
        return {
          type: MessageType.AckRequest,
          event: readName(o.e, 'event'),
          ack: readName(o.a, 'ack'),
          id: readId(o.i),
          data: o.d,
          ...(o.s === undefined ? undefined : { seq: readOptionalSeq(o.s) }),
        };
      case MessageType.AckResponse:
        return {
          type: MessageType.AckResponse,
          ack: readName(o.a, 'ack'),
          id: readOptionalId(o.i),
          data: o.d,
          error: readOptionalString(o.x, 'x (error)'),
          ...(o.p === undefined ? undefined : { pos: readOptionalPosition(o.p) }),
        };
      case MessageType.Connect:
        if (o.v !== undefined) {
          return {
            type: MessageType.Connect,
            clientId: '',
            maxPayloadSize: 0,
            heartbeatInterval: 0,
            version: readUint(o.v, 'v'),
            headers: readHeaders(o.headers),
            ...(o.session === undefined ? undefined : { sessionOffer: readString(o.session, 'session (offer)') }),
          };
        }
        return {
          type: MessageType.Connect,
          clientId: readString(o.id, 'id'),
          maxPayloadSize: readUint(o.maxPayloadSize, 'maxPayloadSize'),
          heartbeatInterval: readUint(o.heartbeatInterval, 'heartbeatInterval'),
          ...(o.session === undefined ? undefined : { session: readOptionalSession(o.session) }),
        };
      case MessageType.Disconnect:
        return {
          type: MessageType.Disconnect,
          code: readUint(o.c, 'c (close code)', 0xffff),
          reason: o.r === undefined ? '' : readString(o.r, 'r (reason)'),
        };
      case MessageType.JoinRoom:
      case MessageType.LeaveRoom:
        return {
          type: t,
          room: readName(o.room, 'room'),
          id: readOptionalId(o.i),
          ok: readOptionalBoolean(o.ok, 'ok'),
          reason: readOptionalString(o.x, 'x (reason)'),
        };
      case MessageType.Error:
        return {
          type: MessageType.Error,
          code: readString(o.code, 'code'),
          message: readString(o.message, 'message'),
        };
      case MessageType.Confirm:
        return { type: MessageType.Confirm, seq: readOptionalUint(o.s, 's'), offset: readOptionalUint(o.o, 'o') };
      case MessageType.Binary:
        throw invalidMessage('binary events travel in binary WebSocket messages');
      default:
        if (typeof t !== 'number') throw invalidMessage('"t" (the type code) must be a number');
        throw createError(ErrorPrefix.Message, `unknown type ${t}`, StelarErrorCode.InvalidFrameType, CloseCode.UnsupportedData);
    }
  }
}
