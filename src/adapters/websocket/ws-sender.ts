import { randomFillSync } from 'node:crypto';
import { EMPTY_BUFFER, MAX_CLOSE_REASON_BYTES, Opcode } from './ws-constants';
import { isValidSendCloseCode } from './ws-close-codes';
import { unmask } from './ws-receiver';

/** How one frame is built. */
export interface FrameOptions {
  readonly opcode: number;
  readonly fin: boolean;
  /** RFC 7692: set on the first frame of a compressed message. */
  readonly rsv1: boolean;
  /** Client side only (RFC 6455 §5.3): mask with a fresh random key. */
  readonly mask: boolean;
}

// Masking keys come from a pool refilled by one randomFillSync call per 2048 frames, instead of a
// crypto call per frame (RFC 6455 §10.3 wants them unpredictable, not unique-by-syscall).
const MASK_POOL_SIZE = 8192;
let maskPool: Buffer | null = null;
let maskOffset = MASK_POOL_SIZE;

function nextMask(): Buffer {
  if (maskOffset === MASK_POOL_SIZE) {
    if (maskPool === null) maskPool = Buffer.allocUnsafe(MASK_POOL_SIZE);
    randomFillSync(maskPool, 0, MASK_POOL_SIZE);
    maskOffset = 0;
  }
  const key = (maskPool as Buffer).subarray(maskOffset, maskOffset + 4);
  maskOffset += 4;
  return key;
}

// Payloads up to this size are copied behind the header into one buffer: one small write beats
// a writev of two buffers, and the copy is cheap.
const MERGE_LIMIT = 1024;

/**
 * Frames one payload (RFC 6455 §5.2). Pure: returns the buffers to write in order, either
 * `[frame]` (small payloads, merged) or `[header, payload]` (the payload is not copied on the
 * server side). A masked frame always gets a masked copy, never touching `payload`.
 */
export function frame(payload: Uint8Array, options: FrameOptions): Buffer[] {
  const len = payload.length;
  const lenBytes = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const headerLen = 2 + lenBytes + (options.mask ? 4 : 0);
  const merge = options.mask || len <= MERGE_LIMIT;
  const out = Buffer.allocUnsafe(merge ? headerLen + len : headerLen);
  out[0] = (options.fin ? 0x80 : 0) | (options.rsv1 ? 0x40 : 0) | options.opcode;
  if (lenBytes === 0) out[1] = len;
  else if (lenBytes === 2) {
    out[1] = 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(Math.floor(len / 0x100000000), 2);
    out.writeUInt32BE(len >>> 0, 6);
  }
  if (options.mask) {
    out[1] |= 0x80;
    const key = nextMask();
    const at = 2 + lenBytes;
    out[at] = key[0];
    out[at + 1] = key[1];
    out[at + 2] = key[2];
    out[at + 3] = key[3];
    if (len > 0) {
      out.set(payload, headerLen);
      unmask(out.subarray(headerLen), key);
    }
    return [out];
  }
  if (merge) {
    if (len > 0) out.set(payload, headerLen);
    return [out];
  }
  return [out, toBuffer(payload)];
}

/** Views a Uint8Array as a Buffer without copying. */
export function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Builds a close frame body (RFC 6455 §5.5.1). A code the local side may not send is a caller
 * mistake and throws RangeError; the reason is truncated to 123 bytes on a character boundary.
 * `code` undefined → empty body (no status).
 */
export function closeBody(code: number | undefined, reason: string): Buffer {
  if (code === undefined) return EMPTY_BUFFER;
  if (!isValidSendCloseCode(code)) throw new RangeError(`Invalid WebSocket close code: ${code}`);
  let reasonBytes = Buffer.from(reason, 'utf8');
  if (reasonBytes.length > MAX_CLOSE_REASON_BYTES) {
    let end = MAX_CLOSE_REASON_BYTES;
    // Step back off UTF-8 continuation bytes so the truncated reason stays valid.
    while (end > 0 && (reasonBytes[end] & 0xc0) === 0x80) end--;
    reasonBytes = reasonBytes.subarray(0, end);
  }
  const body = Buffer.allocUnsafe(2 + reasonBytes.length);
  body.writeUInt16BE(code, 0);
  reasonBytes.copy(body, 2);
  return body;
}

/** Frames a control message (close/ping/pong); payload must be ≤ 125 bytes. */
export function controlFrame(opcode: number, payload: Uint8Array, mask: boolean): Buffer[] {
  if (payload.length > 125) throw new RangeError('Control frame payload must not exceed 125 bytes');
  return frame(payload, { opcode, fin: true, rsv1: false, mask });
}

/** The opcode of a data message. */
export function dataOpcode(binary: boolean): number {
  return binary ? Opcode.Binary : Opcode.Text;
}
