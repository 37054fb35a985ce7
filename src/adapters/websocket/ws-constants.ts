/**
 * RFC 6455 constants shared by the WebSocket receiver, sender, handshake and connection.
 */

/** RFC 6455 §1.3: appended to Sec-WebSocket-Key before hashing into Sec-WebSocket-Accept. */
export const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** RFC 6455 §5.2 opcodes. */
export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** RFC 6455 §5.5: control frame payloads are at most 125 bytes. */
export const MAX_CONTROL_PAYLOAD = 125;

/** RFC 6455 §5.5.1: a close reason fits in 125 bytes minus the 2-byte code. */
export const MAX_CLOSE_REASON_BYTES = 123;

/** Default limits of the adapter (the application may pass its own). */
export const WS_DEFAULTS = {
  maxPayloadSize: 10 * 1024 * 1024,
  maxFragments: 1024,
  closeTimeout: 5000,
  connectTimeout: 10000,
  maxBufferedBytes: 1024 * 1024,
  maxHeaderBytes: 16 * 1024,
} as const;

/** An empty buffer, shared so empty frames allocate nothing. */
export const EMPTY_BUFFER: Buffer = Buffer.alloc(0);
