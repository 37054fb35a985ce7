import { CloseCode, ProtocolError, StelarErrorCode } from '../../domain/errors';

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
  /** An HTTP/1.1 request head (the own-port listener's parser, RFC 9112). */
  HttpHead: 'Invalid HTTP request: ',
  /** The envelope of a cluster bus message. */
  ClusterEnvelope: 'Invalid cluster envelope: ',
  /** No prefix: the detail already says it all (a wrapped error's message). */
  None: '',
} as const;
export type ErrorPrefix = (typeof ErrorPrefix)[keyof typeof ErrorPrefix];

/** A request head the HTTP parser refused: a ProtocolError plus the HTTP status to answer with. */
export interface HttpHeadError extends ProtocolError {
  /** 400, 413, 414, 431 or 505. */
  readonly status: number;
}

/**
 * The error of a refused HTTP request head (`STELAR_ERR_INVALID_HTTP_REQUEST`, prefix
 * {@link ErrorPrefix.HttpHead}), carrying the status of the answer. Made by the same factory as
 * every other protocol error.
 */
export function createHttpError(status: number, detail: string): HttpHeadError {
  const err = createError(ErrorPrefix.HttpHead, detail, StelarErrorCode.InvalidHttpRequest, CloseCode.ProtocolError) as ProtocolError & {
    status: number;
  };
  err.status = status;
  return err;
}
