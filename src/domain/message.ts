/**
 * The Stelar message model: what travels between a client and a server, independent of the
 * transport. Codecs (src/adapters/codec) turn these into bytes for WebSocket or the binary TCP
 * protocol; the domain only ever sees these plain objects. The numeric kinds are the TCP frame
 * type codes from the protocol (docs/PROTOCOL.md), reused as the `t` field of WebSocket JSON.
 */
export const MessageType = {
  Event: 0,
  Binary: 1,
  Ping: 2,
  Pong: 3,
  AckRequest: 4,
  AckResponse: 5,
  Connect: 6,
  Disconnect: 7,
  JoinRoom: 8,
  LeaveRoom: 9,
  Error: 10,
  /** Session recovery: cumulative confirmation (server → client: sequence; client → server: position). */
  Confirm: 11,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/**
 * Where a server → client message sits in its stream (session recovery): sent only to clients
 * that hold a session (docs/PROTOCOL.md, "Session recovery"). `stream` is the wire name:
 * `'#' + room`, `'@'` (the client's own direct stream) or `'*'` (broadcasts to everyone).
 */
export interface MessagePosition {
  readonly stream: string;
  readonly offset: number;
  readonly epoch: string;
}

/** An event carrying JSON-compatible data. */
export interface EventMessage {
  readonly type: typeof MessageType.Event;
  readonly event: string;
  readonly data: unknown;
  /** Session recovery: the message's stream position (server → session clients only). */
  readonly pos?: MessagePosition;
  /** Session recovery: the client's per-session sequence number (client → server only, from 1). */
  readonly seq?: number;
}

/** Optional metadata of a binary message (file name, MIME type…), sent by sendFile/sendImage. */
export type BinaryMeta = Readonly<Record<string, string | number | boolean>>;

/** An event carrying raw bytes (never base64). */
export interface BinaryMessage {
  readonly type: typeof MessageType.Binary;
  readonly event: string;
  readonly bytes: Uint8Array;
  readonly meta?: BinaryMeta;
  /** Session recovery: the stream position (server → session clients only). */
  readonly pos?: MessagePosition;
  /** Session recovery: the client's per-session sequence number (client → server only). */
  readonly seq?: number;
}

export interface PingMessage {
  readonly type: typeof MessageType.Ping;
}
export interface PongMessage {
  readonly type: typeof MessageType.Pong;
}

/** A request expecting exactly one AckResponse with the same correlation id. */
export interface AckRequestMessage {
  readonly type: typeof MessageType.AckRequest;
  readonly event: string;
  /** The name the answer is labelled with (client `request(event, data, ackName)`). */
  readonly ack: string;
  /** Correlation id, unique per connection and direction while pending. */
  readonly id: number;
  readonly data: unknown;
  /** Session recovery: the client's per-session sequence number (client → server only). */
  readonly seq?: number;
}

/**
 * The answer to an AckRequest (with `id`), or an unsolicited push to the client's
 * `onAck(ack)` listeners (`ctx.ack(name, data)` outside a request: no `id`).
 */
export interface AckResponseMessage {
  readonly type: typeof MessageType.AckResponse;
  readonly ack: string;
  readonly id?: number;
  readonly data?: unknown;
  /** Present when the handler threw or rejected: the error's message, never its stack. */
  readonly error?: string;
  /** Session recovery: the answer's or push's position in the client's direct stream. */
  readonly pos?: MessagePosition;
}

/**
 * What the server's Connect message tells a recovery-capable client about its session
 * (docs/PROTOCOL.md, "Session recovery"). Absent when the server has recovery off or the
 * client did not offer it.
 */
export interface SessionGrant {
  /** The resume token for the next reconnect (single use; a new one on every Connect). */
  readonly token: string;
  /** True when this connection resumed the previous session. */
  readonly recovered: boolean;
  /** Why a resume offer could not be honoured: 'expired' | 'history' | 'epoch' | 'unknown'. */
  readonly reason?: string;
  /** How many missed messages follow the Connect message (0 when not recovered). */
  readonly missed: number;
  /**
   * Client → server recovery is on: the server confirms the client's messages (Confirm
   * messages) and runs each at most once, so the client numbers what it sends and keeps it until
   * confirmed. Absent from a phase-1 server: the client then numbers and keeps nothing.
   */
  readonly confirms?: boolean;
}

/**
 * Server → client, first message after admission: the client's identity and limits.
 * Client → server (TCP only, the hello `{"v":1}`): `version` is set, `clientId` is '' and the
 * limits are 0; `headers` are what the middleware sees as handshake headers.
 */
export interface ConnectMessage {
  readonly type: typeof MessageType.Connect;
  readonly clientId: string;
  readonly maxPayloadSize: number;
  readonly heartbeatInterval: number;
  /** Present only on the client hello: the protocol version (1). */
  readonly version?: number;
  /** Client hello only: handshake headers for middleware. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Client hello only (TCP, and the browser's first message): the session recovery offer, the
   * same text as the `x-stelar-session` header (docs/PROTOCOL.md); read once, not kept.
   */
  readonly sessionOffer?: string;
  /** Server → client only, with recovery: the session (see {@link SessionGrant}). */
  readonly session?: SessionGrant;
}

export interface DisconnectMessage {
  readonly type: typeof MessageType.Disconnect;
  readonly code: number;
  readonly reason: string;
}

/**
 * Join/leave. Client → server: a request (`id` correlates the answer). Server → client: the
 * answer, `ok` true or false with a `reason`, echoing the request `id` when there was one.
 */
export interface RoomMessage {
  readonly type: typeof MessageType.JoinRoom | typeof MessageType.LeaveRoom;
  readonly room: string;
  readonly id?: number;
  readonly ok?: boolean;
  readonly reason?: string;
}

/**
 * Session recovery, cumulative and batched (docs/PROTOCOL.md, "Session recovery"). Server →
 * client: `seq`, every client message up to it has been processed (at most once). Client →
 * server: `offset`, the client has received its direct stream (`'@'`) up to it, so the server
 * may forget the cached answers up to there.
 */
export interface ConfirmMessage {
  readonly type: typeof MessageType.Confirm;
  readonly seq?: number;
  readonly offset?: number;
}

export interface ErrorMessage {
  readonly type: typeof MessageType.Error;
  /** A stable code from StelarErrorCode. */
  readonly code: string;
  readonly message: string;
  /** A refusal's retry hint (ms): the client waits a random time within it before dialing again. */
  readonly retryAfter?: number;
}

export type StelarMessage =
  | EventMessage
  | BinaryMessage
  | PingMessage
  | PongMessage
  | AckRequestMessage
  | AckResponseMessage
  | ConnectMessage
  | DisconnectMessage
  | RoomMessage
  | ErrorMessage
  | ConfirmMessage;

/** Longest event or room name in UTF-8 bytes. */
export const MAX_NAME_BYTES = 255;

/** Event names the library uses itself; user code cannot emit them. */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set([
  'connect',
  'disconnect',
  'reconnecting',
  'reconnect_failed',
  'error',
]);
