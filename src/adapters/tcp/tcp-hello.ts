import type { MessageCodec } from '../../ports/message-codec.port';
import { CloseCode, StelarErrorCode, type StelarError } from '../../domain/errors';
import { ErrorPrefix, createError } from '../socket/protocol-errors';
import { MessageType, type StelarMessage } from '../../domain/message';
import type { TcpConnection } from './tcp-connection';

/** The protocol version a client hello must announce. */
export const PROTOCOL_VERSION = 1;

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** The body of the usual hello, Connect `{"v":1}` without headers: type 6, eventLen 0, JSON. */
const PLAIN_HELLO = Uint8Array.of(MessageType.Connect, 0, 0, ...Buffer.from(`{"v":${PROTOCOL_VERSION}}`));

/** True for exactly the usual hello bytes (no decoding needed; its headers are none). */
export function isPlainHello(payload: Uint8Array): boolean {
  if (payload.length !== PLAIN_HELLO.length) return false;
  for (let i = 0; i < PLAIN_HELLO.length; i++) if (payload[i] !== PLAIN_HELLO[i]) return false;
  return true;
}

/**
 * Validates the first frame: a Connect hello `{"v":1}` (docs/PROTOCOL.md, TCP connection
 * lifecycle). On success records its headers on the connection; otherwise returns the error to
 * send (1002) before closing.
 */
export function checkHello(conn: TcpConnection, payload: Uint8Array, helloCodec: MessageCodec): StelarError | null {
  if (payload[0] !== MessageType.Connect) {
    return createError(ErrorPrefix.Message, `the first frame must be Connect (6), got type ${payload[0]}`, StelarErrorCode.InvalidMessage, CloseCode.ProtocolError);
  }
  let hello: StelarMessage;
  try {
    hello = helloCodec.decode(payload, true);
  } catch (err) {
    const e = err as StelarError;
    return createError(ErrorPrefix.None, `${e.message} (in the Connect hello)`, e.code, CloseCode.ProtocolError);
  }
  if (hello.type !== MessageType.Connect || hello.version !== PROTOCOL_VERSION) {
    const v = hello.type === MessageType.Connect ? hello.version : undefined;
    return createError(ErrorPrefix.Message, `the Connect hello must carry {"v":${PROTOCOL_VERSION}}, got ${JSON.stringify(v ?? null)}`, StelarErrorCode.InvalidMessage, CloseCode.ProtocolError);
  }
  conn.helloHeaders = hello.headers ?? NO_HEADERS;
  return null;
}
