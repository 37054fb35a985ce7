import type { MessageCodec } from '../../ports/message-codec.port';
import type { OutboundMessage } from '../../ports/connection.port';
import { MessageType, type MessagePosition, type StelarMessage } from '../../domain/message';
import { TCP_PROTOCOL } from '../tcp/tcp.protocol';
import { CloseCode, StelarErrorCode } from '../../domain/errors';
import { ErrorPrefix, createError } from '../socket/protocol-errors';
import {
  decodeBinaryMessage,
  decodeEnvelope,
  encodeBinaryMessage,
  encodeEnvelope,
} from './binary-envelope';
import { jsonField, jsonObject3 } from './json-text';
import { assertMessageNames } from '../../domain/name-validation';
import { decodeUtf8 } from './utf8';
import {
  asObject,
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
  splitTail,
  tailText,
} from './message-fields';

/** The complete Ping frame: totalLen 3, type 2, eventLen 0. */
export const TCP_PING_FRAME: Uint8Array = Uint8Array.of(0, 0, 0, 3, MessageType.Ping, 0, 0);
/** The complete Pong frame: totalLen 3, type 3, eventLen 0. */
export const TCP_PONG_FRAME: Uint8Array = Uint8Array.of(0, 0, 0, 3, MessageType.Pong, 0, 0);

/**
 * The binary TCP codec (docs/PROTOCOL.md, "TCP framing"). `encode` returns a complete frame,
 * 4-byte `totalLen` included, so a broadcast writes the same bytes to every socket. `decode`
 * takes one frame body as the TCP connection delivers it: without `totalLen`, type byte first.
 */
export class TcpBinaryCodec implements MessageCodec {
  readonly protocol = TCP_PROTOCOL;

  /**
   * Encodes once into a single allocation (one JSON.stringify of the payload). Throws TypeError
   * for an invalid event/room/ack name, RangeError for an `event` field above 65535 bytes.
   */
  encode(message: StelarMessage): OutboundMessage {
    assertMessageNames(message);
    let frame: Uint8Array;
    switch (message.type) {
      case MessageType.Event:
        frame = encodeEnvelope(MessageType.Event, withTail(message.event, message.pos, message.seq), json(message.data), true);
        break;
      case MessageType.Binary:
        frame = encodeBinaryMessage(message, true);
        break;
      case MessageType.Ping:
        frame = TCP_PING_FRAME;
        break;
      case MessageType.Pong:
        frame = TCP_PONG_FRAME;
        break;
      case MessageType.AckRequest:
        frame = encodeEnvelope(
          MessageType.AckRequest,
          message.event,
          message.seq === undefined
            ? jsonObject3('"id":', message.id, '"ack":', message.ack, '"data":', message.data)
            : jsonObject3('"seq":', message.seq, '"id":', message.id, '"ack":', message.ack).slice(0, -1) + jsonField(',"data":', message.data) + '}',
          true,
        );
        break;
      case MessageType.AckResponse:
        frame = encodeEnvelope(
          MessageType.AckResponse,
          withTail(message.ack, message.pos, undefined),
          jsonObject3('"id":', message.id, '"data":', message.data, '"error":', message.error),
          true,
        );
        break;
      case MessageType.Connect:
        frame =
          message.version !== undefined
            ? encodeEnvelope(
                MessageType.Connect,
                '',
                JSON.stringify({ v: message.version, headers: message.headers, session: message.sessionOffer }),
                true,
              )
            : encodeEnvelope(
                MessageType.Connect,
                message.clientId,
                JSON.stringify({
                  maxPayloadSize: message.maxPayloadSize,
                  heartbeatInterval: message.heartbeatInterval,
                  session: message.session,
                }),
                true,
              );
        break;
      case MessageType.Disconnect:
        frame = encodeEnvelope(
          MessageType.Disconnect,
          '',
          JSON.stringify({ code: message.code, reason: message.reason }),
          true,
        );
        break;
      case MessageType.JoinRoom:
      case MessageType.LeaveRoom:
        frame = encodeEnvelope(
          message.type,
          message.room,
          message.id === undefined && message.ok === undefined && message.reason === undefined
            ? undefined
            : JSON.stringify({ id: message.id, ok: message.ok, reason: message.reason }),
          true,
        );
        break;
      case MessageType.Error:
        frame = encodeEnvelope(
          MessageType.Error,
          message.code,
          JSON.stringify(message.retryAfter === undefined ? { message: message.message } : { message: message.message, retryAfter: message.retryAfter }),
          true,
        );
        break;
      case MessageType.Confirm:
        frame = encodeEnvelope(MessageType.Confirm, '', JSON.stringify({ seq: message.seq, offset: message.offset }), true);
        break;
      default:
        throw new TypeError(`Unknown message type ${(message as { type: unknown }).type}`);
    }
    return { payload: frame, binary: true, frameCache: undefined };
  }

  /**
   * Decodes one frame body (type byte first, no `totalLen`). Throws a ProtocolError:
   * TRUNCATED_FRAME / INVALID_MESSAGE / INVALID_EVENT_NAME (1002), INVALID_FRAME_TYPE (1003),
   * INVALID_UTF8 / INVALID_JSON (1007). `binary` is ignored (every TCP frame is binary).
   * A Binary message's `bytes` is a zero-copy view into `payload`.
   */
  decode(payload: Uint8Array, _binary = true): StelarMessage {
    const env = decodeEnvelope(payload);
    switch (env.type) {
      case MessageType.Event: {
        const [name, tail] = splitTail(decodeUtf8(env.head));
        const event = readName(name, 'event');
        return tail === null
          ? { type: MessageType.Event, event, data: jsonBody(env.body) }
          : { type: MessageType.Event, event, data: jsonBody(env.body), ...tail };
      }
      case MessageType.Binary:
        return decodeBinaryMessage(env);
      case MessageType.Ping:
        return { type: MessageType.Ping };
      case MessageType.Pong:
        // A Pong may echo opaque Ping bytes; they carry no meaning.
        return { type: MessageType.Pong };
      case MessageType.AckRequest: {
        const event = readName(decodeUtf8(env.head), 'event');
        const o = asObject(jsonBody(env.body), 'the ACK request payload');
        return {
          type: MessageType.AckRequest,
          event,
          ack: readName(o.ack, 'ack'),
          id: readId(o.id),
          data: o.data,
          ...(o.seq === undefined ? undefined : { seq: readOptionalSeq(o.seq) }),
        };
      }
      case MessageType.AckResponse: {
        const [name, tail] = splitTail(decodeUtf8(env.head));
        const ack = readName(name, 'ack');
        const pos = tail?.pos;
        const o = objectBody(env.body, 'the ACK response payload');
        return {
          type: MessageType.AckResponse,
          ack,
          id: readOptionalId(o.id),
          data: o.data,
          error: readOptionalString(o.error, 'error'),
          ...(pos === undefined ? undefined : { pos }),
        };
      }
      case MessageType.Connect: {
        const clientId = decodeUtf8(env.head);
        const o = asObject(jsonBody(env.body), 'the Connect payload');
        if (o.v !== undefined) {
          return {
            type: MessageType.Connect,
            clientId,
            maxPayloadSize: 0,
            heartbeatInterval: 0,
            version: readUint(o.v, 'v'),
            headers: readHeaders(o.headers),
            ...(o.session === undefined ? undefined : { sessionOffer: readString(o.session, 'session (offer)') }),
          };
        }
        return {
          type: MessageType.Connect,
          clientId,
          maxPayloadSize: readUint(o.maxPayloadSize, 'maxPayloadSize'),
          heartbeatInterval: readUint(o.heartbeatInterval, 'heartbeatInterval'),
          ...(o.session === undefined ? undefined : { session: readOptionalSession(o.session) }),
        };
      }
      case MessageType.Disconnect: {
        const o = objectBody(env.body, 'the Disconnect payload');
        return {
          type: MessageType.Disconnect,
          code: o.code === undefined ? CloseCode.Normal : readUint(o.code, 'code', 0xffff),
          reason: o.reason === undefined ? '' : readString(o.reason, 'reason'),
        };
      }
      case MessageType.JoinRoom:
      case MessageType.LeaveRoom: {
        const room = readName(decodeUtf8(env.head), 'room');
        const o = objectBody(env.body, 'the room payload');
        return {
          type: env.type,
          room,
          id: readOptionalId(o.id),
          ok: readOptionalBoolean(o.ok, 'ok'),
          reason: readOptionalString(o.reason, 'reason'),
        };
      }
      case MessageType.Error: {
        const code = decodeUtf8(env.head);
        const o = asObject(jsonBody(env.body), 'the Error payload');
        const retryAfter = o.retryAfter === undefined ? undefined : readUint(o.retryAfter, 'retryAfter');
        return retryAfter === undefined
          ? { type: MessageType.Error, code, message: readString(o.message, 'message') }
          : { type: MessageType.Error, code, message: readString(o.message, 'message'), retryAfter };
      }
      case MessageType.Confirm: {
        const o = objectBody(env.body, 'the Confirm payload');
        return { type: MessageType.Confirm, seq: readOptionalUint(o.seq, 'seq'), offset: readOptionalUint(o.offset, 'offset') };
      }
      default:
        throw createError(ErrorPrefix.TcpFrame, `unknown type ${env.type}`, StelarErrorCode.InvalidFrameType, CloseCode.UnsupportedData);
    }
  }
}

/**
 * Session recovery: a positioned message's `event` field is `name NUL [stream,offset,epoch]`,
 * a sequenced client message's `name NUL [seq]` (docs/PROTOCOL.md); names never contain NUL,
 * so an old reader never sees one from a peer that only adds them once both sides offered
 * recovery.
 */
function withTail(name: string, pos: MessagePosition | undefined, seq: number | undefined): string {
  return pos === undefined && seq === undefined ? name : name + tailText(pos, seq);
}

/** JSON text of `data`, or undefined (empty payload) when there is none. */
function json(data: unknown): string | undefined {
  return data === undefined ? undefined : JSON.stringify(data);
}

/** An empty JSON payload means undefined. */
function jsonBody(body: Uint8Array): unknown {
  return body.length === 0 ? undefined : parseJson(decodeUtf8(body));
}

const EMPTY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/** A payload that is a JSON object or empty (no optional fields). */
function objectBody(body: Uint8Array, what: string): Record<string, unknown> {
  return body.length === 0 ? EMPTY : asObject(parseJson(decodeUtf8(body)), what);
}
