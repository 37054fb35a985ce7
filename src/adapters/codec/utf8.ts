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

/** Inputs up to this many bytes go through the {@link ShortTextCache}. */
const SHORT_TEXT = 24;
/** Entries of the cache (a power of two). */
const SHORT_TEXT_SLOTS = 64;

/**
 * The strings of recently decoded short inputs (event and ack names of TCP frames, which repeat
 * on every message), by their bytes: a hit costs a hash and a compare of at most
 * {@link SHORT_TEXT} bytes instead of a call into the native decoder and a new string. Direct
 * mapped (a colliding input replaces the entry), so the memory is bounded: 64 entries of at most
 * 24 bytes and their strings. Only valid UTF-8 is ever stored.
 */
class ShortTextCache {
  private readonly keys: (Uint8Array | null)[] = new Array<Uint8Array | null>(SHORT_TEXT_SLOTS).fill(null);
  private readonly texts: string[] = new Array<string>(SHORT_TEXT_SLOTS).fill('');

  decode(bytes: Uint8Array): string {
    const n = bytes.length;
    let h = n;
    for (let i = 0; i < n; i++) h = (Math.imul(h, 31) + bytes[i]) | 0;
    const slot = (h ^ (h >>> 7)) & (SHORT_TEXT_SLOTS - 1);
    const key = this.keys[slot];
    if (key !== null && key.length === n) {
      let i = 0;
      while (i < n && key[i] === bytes[i]) i++;
      if (i === n) return this.texts[slot];
    }
    const text = strictDecode(bytes);
    this.keys[slot] = new Uint8Array(bytes); // a copy: the input is a view into a socket chunk
    this.texts[slot] = text;
    return text;
  }
}

const shortTexts = new ShortTextCache();

/**
 * Strict UTF-8 decoding: invalid sequences throw `STELAR_ERR_INVALID_UTF8` (close code 1007,
 * RFC 6455 §8.1 treats invalid UTF-8 the same way). Short inputs are served from a small cache
 * of recent ones (names repeat).
 */
export function decodeUtf8(bytes: Uint8Array): string {
  if (bytes.length === 0) return '';
  if (bytes.length <= SHORT_TEXT) return shortTexts.decode(bytes);
  return strictDecode(bytes);
}

function strictDecode(bytes: Uint8Array): string {
  try {
    return fatalDecoder.decode(bytes);
  } catch {
    throw createError(ErrorPrefix.Message, 'text is not valid UTF-8', StelarErrorCode.InvalidUtf8, CloseCode.InvalidPayload);
  }
}
