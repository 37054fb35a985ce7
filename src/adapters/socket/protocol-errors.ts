import { ProtocolError, type StelarErrorCode } from '../../domain/errors';

/**
 * The one factory of protocol errors, for every parser and decoder of both transports (the
 * WebSocket receiver and permessage-deflate, the TCP frame parser and hello check, both codecs,
 * the cluster envelope): ws's `createError(ErrorCtor, message, prefix, statusCode, errorCode)`.
 * Every error gets a stable `code`, the close code the connection closes with, and a message
 * that starts with the prefix of the layer that refused the input; size refusals carry the
 * declared size (typed: `ProtocolError.size`). The stack trace starts where the error was
 * raised. Pure (no Node imports): the codecs are bundled into the browser client.
 */
export function createError(
  prefix: ErrorPrefix,
  detail: string,
  code: StelarErrorCode,
  closeCode: number,
  size?: number,
): ProtocolError {
  const err = new ProtocolError(code, prefix + detail, closeCode, size);
  // V8 only; browsers without it keep the full stack.
  Error.captureStackTrace?.(err, createError);
  return err;
}

/** Which layer refused the input: the start of every protocol error's message. */
export const ErrorPrefix = {
  /** RFC 6455 / RFC 7692 framing (receiver, permessage-deflate). */
  WsFrame: 'Invalid WebSocket frame: ',
  /** The binary TCP framing (frame parser, envelope). */
  TcpFrame: 'Invalid frame: ',
  /** A message that is well framed but malformed (both codecs, the TCP hello). */
  Message: 'Invalid message: ',
  /** An event, room or ack name that breaks the naming rule (docs/PROTOCOL.md, "Validation"). */
  EventName: 'Invalid event name: ',
  /** The envelope of a cluster bus message. */
  ClusterEnvelope: 'Invalid cluster envelope: ',
  /** No prefix: the detail already says it all (a wrapped error's message). */
  None: '',
} as const;
export type ErrorPrefix = (typeof ErrorPrefix)[keyof typeof ErrorPrefix];
