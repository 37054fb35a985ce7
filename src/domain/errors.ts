/**
 * Errors that carry a stable string code and the close code the connection layer should use.
 * The adapters create protocol errors through one factory, `createError` in
 * adapters/socket/protocol-errors.ts, so every parser and decoder fails the same way.
 */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  NoStatus: 1005,
  Abnormal: 1006,
  InvalidPayload: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  MandatoryExtension: 1010,
  InternalError: 1011,
  ServiceRestart: 1012,
  TryAgainLater: 1013,
  /**
   * Private use (4000-4999): the connection was replaced by a newer one that resumed its
   * session (session recovery) while this one still looked alive.
   */
  SessionResumed: 4001,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

export const StelarErrorCode = {
  // framing (both transports)
  InvalidOpcode: 'STELAR_ERR_INVALID_OPCODE',
  InvalidFrame: 'STELAR_ERR_INVALID_FRAME',
  UnexpectedRsv: 'STELAR_ERR_UNEXPECTED_RSV',
  Unmasked: 'STELAR_ERR_EXPECTED_MASK',
  UnexpectedMask: 'STELAR_ERR_UNEXPECTED_MASK',
  InvalidControlFrame: 'STELAR_ERR_INVALID_CONTROL_FRAME',
  InvalidContinuation: 'STELAR_ERR_INVALID_CONTINUATION',
  InvalidCloseCode: 'STELAR_ERR_INVALID_CLOSE_CODE',
  InvalidUtf8: 'STELAR_ERR_INVALID_UTF8',
  FrameTooLarge: 'STELAR_ERR_FRAME_TOO_LARGE',
  PayloadTooLarge: 'STELAR_ERR_PAYLOAD_TOO_LARGE',
  InvalidFrameType: 'STELAR_ERR_INVALID_FRAME_TYPE',
  TruncatedFrame: 'STELAR_ERR_TRUNCATED_FRAME',
  // the HTTP request head of an upgrade or a built-in route (own-port listener)
  InvalidHttpRequest: 'STELAR_ERR_INVALID_HTTP_REQUEST',
  // message model
  InvalidJson: 'STELAR_ERR_INVALID_JSON',
  InvalidMessage: 'STELAR_ERR_INVALID_MESSAGE',
  InvalidEventName: 'STELAR_ERR_INVALID_EVENT_NAME',
  ReservedEventName: 'STELAR_ERR_RESERVED_EVENT_NAME',
  // policy
  RateLimited: 'STELAR_ERR_RATE_LIMITED',
  Unauthorized: 'STELAR_ERR_UNAUTHORIZED',
  ServerFull: 'STELAR_ERR_SERVER_FULL',
  /** A handshake shed under load (too many in progress, or the event loop behind): retry after the hint. */
  ServerBusy: 'STELAR_ERR_SERVER_BUSY',
  /** Not sent to anyone: a socket whose peer left before its handshake (counted, not handshaked). */
  PeerGone: 'STELAR_ERR_PEER_GONE',
  TooManyFromIp: 'STELAR_ERR_TOO_MANY_FROM_IP',
  OriginNotAllowed: 'STELAR_ERR_ORIGIN_NOT_ALLOWED',
  ConnectTimeout: 'STELAR_ERR_CONNECT_TIMEOUT',
  /**
   * Counted and logged only (never sent): a handshake a transport refused before screening, a
   * malformed WebSocket upgrade request (HTTP 400/405/426) or a TCP first frame that is not a
   * valid Connect hello (the client gets that frame's own error code).
   */
  BadHandshake: 'STELAR_ERR_BAD_HANDSHAKE',
  HeartbeatTimeout: 'STELAR_ERR_HEARTBEAT_TIMEOUT',
  SlowConsumer: 'STELAR_ERR_SLOW_CONSUMER',
  NoHandler: 'STELAR_ERR_NO_HANDLER',
  /**
   * A request over `maxRequestsInFlight` (its connection already has that many requests whose
   * handlers have not answered): answered with this code at once, handler not run. Client side:
   * a request over the client's own `maxRequestsInFlight`, refused before it is sent.
   */
  TooManyRequests: 'STELAR_ERR_TOO_MANY_REQUESTS',
  AckTimeout: 'STELAR_ERR_ACK_TIMEOUT',
  Disconnected: 'STELAR_ERR_DISCONNECTED',
  ServerShutdown: 'STELAR_ERR_SERVER_SHUTDOWN',
  // session recovery (client → server)
  /** A request on the wire at a drop whose session could not be resumed. */
  SessionLost: 'STELAR_ERR_SESSION_LOST',
  /** The client's buffer of messages the server has not confirmed yet is full. */
  UnconfirmedFull: 'STELAR_ERR_UNCONFIRMED_FULL',
  // rooms
  MaxRooms: 'STELAR_ERR_MAX_ROOMS',
  MaxRoomsPerClient: 'STELAR_ERR_MAX_ROOMS_PER_CLIENT',
  RoomRefused: 'STELAR_ERR_ROOM_REFUSED',
  Internal: 'STELAR_ERR_INTERNAL',
} as const;
export type StelarErrorCode = (typeof StelarErrorCode)[keyof typeof StelarErrorCode];

/** Base of every error Stelar raises on purpose. */
export class StelarError extends Error {
  constructor(
    readonly code: StelarErrorCode,
    message: string,
    readonly closeCode: number = CloseCode.ProtocolError,
  ) {
    super(message);
    this.name = 'StelarError';
  }

  toJSON(): { code: string; message: string; closeCode: number } {
    return { code: this.code, message: this.message, closeCode: this.closeCode };
  }
}

/** A peer broke the wire protocol; the connection must be closed with `closeCode`. */
export class ProtocolError extends StelarError {
  /**
   * Size refusals only (STELAR_ERR_FRAME_TOO_LARGE, STELAR_ERR_PAYLOAD_TOO_LARGE): the declared
   * size of the frame or message, read by the `onPayloadTooLarge` hook. Undefined otherwise.
   */
  readonly size?: number;

  constructor(code: StelarErrorCode, message: string, closeCode: number, size?: number) {
    super(code, message, closeCode);
    this.name = 'ProtocolError';
    if (size !== undefined) this.size = size;
  }
}

/**
 * A ProtocolError whose stack stops at `caller`, for code outside the adapters (the adapters use
 * `createError`, which also adds the layer's message prefix).
 */
export function protocolError(
  code: StelarErrorCode,
  message: string,
  closeCode: number,
  caller?: Function,
): ProtocolError {
  const err = new ProtocolError(code, message, closeCode);
  // V8 only; browsers without it keep the full stack.
  if (caller) Error.captureStackTrace?.(err, caller);
  return err;
}

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(StelarErrorCode));

/**
 * The error a requester gets for an error answer (`{"id":…,"error":"…"}`): an answer the server
 * itself refused carries its stable code as the prefix of its text (`STELAR_ERR_TOO_MANY_REQUESTS:
 * …`, docs/API.md "Acknowledgements") and becomes a {@link StelarError} with that code; any other
 * text (a handler's thrown message) a plain `Error` carrying only the message.
 */
export function answerError(text: string): Error {
  const colon = text.indexOf(':');
  if (colon > 11 && text.startsWith('STELAR_ERR_')) {
    const code = text.slice(0, colon);
    if (KNOWN_CODES.has(code)) return new StelarError(code as StelarErrorCode, text, CloseCode.Normal);
  }
  return new Error(text);
}
