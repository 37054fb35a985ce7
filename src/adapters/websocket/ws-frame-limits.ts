/**
 * Size limits a WebSocket receiver enforces (RFC 6455 §10.4: an endpoint must bound what it
 * buffers and fail the connection with 1009 beyond that), checked from a frame's header so no
 * payload byte of an oversized frame is ever buffered.
 */
import { CloseCode, StelarErrorCode, type ProtocolError } from '../../domain/errors';
import { ErrorPrefix, createError } from '../socket/protocol-errors';

/** The limits a receiver applies to data frames and messages. */
export interface FrameLimits {
  /** Largest single data frame payload, in bytes. */
  readonly maxFrameSize: number;
  /** Largest (reassembled, inflated) message, in bytes. */
  readonly maxPayloadSize: number;
  /** Most data frames one message may span. */
  readonly maxFragments: number;
}

let lastLimits: FrameLimits = { maxFrameSize: 0, maxPayloadSize: 0, maxFragments: 0 };

/**
 * The limits object for these values, shared by every receiver created with the same values
 * (connections of one transport): one object per transport instead of one per connection.
 */
export function frameLimits(maxFrameSize: number, maxPayloadSize: number, maxFragments: number): FrameLimits {
  const last = lastLimits;
  if (last.maxFrameSize === maxFrameSize && last.maxPayloadSize === maxPayloadSize && last.maxFragments === maxFragments) {
    return last;
  }
  lastLimits = Object.freeze({ maxFrameSize, maxPayloadSize, maxFragments });
  return lastLimits;
}

/**
 * Checks the high 32 bits of a 64-bit payload length (§5.2). Returns null when the length is
 * usable, else the error: the top bit must be 0 (1002), and anything at or above 2^53 cannot
 * be a JavaScript length and is far above any sane limit anyway (1009).
 */
export function len64Error(high: number, low: number): ProtocolError | null {
  if (high & 0x80000000) {
    return createError(ErrorPrefix.WsFrame, 'invalid 64-bit payload length', StelarErrorCode.InvalidFrame, CloseCode.ProtocolError);
  }
  if (high > 0x1fffff) {
    return createError(ErrorPrefix.WsFrame, 'payload length too large', StelarErrorCode.FrameTooLarge, CloseCode.MessageTooBig, high * 0x100000000 + low);
  }
  return null;
}

/**
 * Most bytes a compressed message of at most `maxPayloadSize` inflated bytes may take on the
 * wire: deflate's worst case for incompressible input (zlib's deflateBound: stored blocks add a
 * few bytes per 4 KiB, plus a small constant), so an honest peer's compressed message of
 * `maxPayloadSize` bytes always fits and a hostile one cannot make us buffer more than that.
 */
export function compressedBound(maxPayloadSize: number): number {
  return maxPayloadSize + Math.floor(maxPayloadSize / 4096) + Math.floor(maxPayloadSize / 16384) + 13;
}

/**
 * Checks one data frame against the limits, from its header. `wireLength` is the payload bytes
 * of the message's earlier frames; `fragmentCount` counts this frame. An uncompressed message
 * may total `maxPayloadSize`; a compressed one `compressedBound(maxPayloadSize)` compressed
 * bytes (its inflated size is checked as it inflates, see {@link inflatedSizeError}), so a
 * compressed frame cannot declare more than the message may hold either. Null = fits.
 */
export function dataFrameSizeError(
  limits: FrameLimits,
  payloadLength: number,
  wireLength: number,
  compressed: boolean,
  fragmentCount: number,
): ProtocolError | null {
  if (payloadLength > limits.maxFrameSize) {
    return createError(
      ErrorPrefix.WsFrame,
      `frame of ${payloadLength} bytes exceeds maxFrameSize ${limits.maxFrameSize}`,
      StelarErrorCode.FrameTooLarge,
      CloseCode.MessageTooBig,
      payloadLength,
    );
  }
  const max = compressed ? compressedBound(limits.maxPayloadSize) : limits.maxPayloadSize;
  if (wireLength + payloadLength > max) {
    return createError(
      ErrorPrefix.WsFrame,
      compressed
        ? `compressed message exceeds maxPayloadSize ${limits.maxPayloadSize}`
        : `message exceeds maxPayloadSize ${limits.maxPayloadSize}`,
      StelarErrorCode.PayloadTooLarge,
      CloseCode.MessageTooBig,
      wireLength + payloadLength,
    );
  }
  if (fragmentCount > limits.maxFragments) {
    return createError(
      ErrorPrefix.WsFrame,
      `message has more than ${limits.maxFragments} fragments`,
      StelarErrorCode.PayloadTooLarge,
      CloseCode.MessageTooBig,
    );
  }
  return null;
}

/** Checks an inflated message's running length (the compressed size says nothing). */
export function inflatedSizeError(messageLength: number, maxPayloadSize: number): ProtocolError | null {
  if (messageLength <= maxPayloadSize) return null;
  return createError(
    ErrorPrefix.WsFrame,
    `message exceeds maxPayloadSize ${maxPayloadSize}`,
    StelarErrorCode.PayloadTooLarge,
    CloseCode.MessageTooBig,
    messageLength,
  );
}
