import { CloseCode, StelarErrorCode } from '../../domain/errors';
import { ErrorPrefix, createError } from '../socket/protocol-errors';
import { utf8Length as countUtf8Bytes } from '../../domain/name-validation';

// The codecs run in Node (server, Node client) and in browsers (the WebSocket client bundle), so
// this file never imports 'node:buffer': it uses the global Buffer when there is one (faster
// pooled allocation and native UTF-8 writes) and falls back to TextEncoder elsewhere.
const NodeBuffer: typeof Buffer | undefined = (globalThis as { Buffer?: typeof Buffer }).Buffer;
const encoder = new TextEncoder();
// fatal: invalid UTF-8 is an error, never U+FFFD. ignoreBOM: a BOM is kept as U+FEFF (the
// protocol says names and JSON are UTF-8 without a BOM, so it then fails validation/parsing).
const fatalDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Number of UTF-8 bytes `s` encodes to (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  // Node: native and exact; browsers: the domain's counting loop (same result).
  return NodeBuffer !== undefined ? NodeBuffer.byteLength(s, 'utf8') : countUtf8Bytes(s);
}

/** Uninitialised bytes the caller fills completely (a Buffer in Node). */
export function allocBytes(size: number): Uint8Array {
  return NodeBuffer !== undefined ? NodeBuffer.allocUnsafe(size) : new Uint8Array(size);
}

/**
 * Writes `s` as UTF-8 into `target` (which must come from {@link allocBytes}) at `offset`;
 * returns the number of bytes written. The caller sized `target` with {@link utf8Length}.
 */
export function writeUtf8(target: Uint8Array, s: string, offset: number): number {
  if (NodeBuffer !== undefined) return (target as Buffer).write(s, offset, 'utf8');
  return encoder.encodeInto(s, target.subarray(offset)).written;
}

/** `s` as UTF-8 bytes. */
export function encodeUtf8(s: string): Uint8Array {
  return NodeBuffer !== undefined ? NodeBuffer.from(s, 'utf8') : encoder.encode(s);
}

/**
 * Strict UTF-8 decoding: invalid sequences throw `STELAR_ERR_INVALID_UTF8` (close code 1007,
 * RFC 6455 §8.1 treats invalid UTF-8 the same way).
 */
export function decodeUtf8(bytes: Uint8Array): string {
  if (bytes.length === 0) return '';
  try {
    return fatalDecoder.decode(bytes);
  } catch {
    throw createError(ErrorPrefix.Message, 'text is not valid UTF-8', StelarErrorCode.InvalidUtf8, CloseCode.InvalidPayload);
  }
}
