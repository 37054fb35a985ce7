import { isUtf8 } from 'node:buffer';

// Björn Höhrmann's UTF-8 DFA (http://bjoern.hoehrmann.de/utf-8/decoder/dfa/), used only for
// the few bytes around fragment boundaries; the bulk of every chunk goes through the native
// `buffer.isUtf8`. The DFA rejects overlongs, surrogates and code points above U+10FFFF as soon
// as the offending byte arrives, which is what lets text messages fail fast on the fragment that
// breaks them (RFC 6455 §8.1).
const UTF8_ACCEPT = 0;
const UTF8_REJECT = 12;

// prettier-ignore
const CHAR_CLASS = new Uint8Array([
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
  1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,
  7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,
  8,8,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,
  10,3,3,3,3,3,3,3,3,3,3,3,3,4,3,3,11,6,6,6,5,8,8,8,8,8,8,8,8,8,8,8,
]);

// prettier-ignore
const TRANSITION = new Uint8Array([
  0,12,24,36,60,96,84,12,12,12,48,72,12,12,12,12,12,12,12,12,12,12,12,12,
  12,0,12,12,12,12,12,0,12,0,12,12,12,24,12,12,12,12,12,24,12,24,12,12,
  12,12,12,12,12,12,12,24,12,12,12,12,12,24,12,12,12,12,12,12,12,24,12,12,
  12,12,12,12,12,12,12,36,12,36,12,12,12,36,12,12,12,12,12,36,12,36,12,12,
  12,36,12,12,12,12,12,12,12,12,12,12,
]);

/** Byte length of the sequence a lead byte starts (0 for continuation/invalid bytes). */
function sequenceLength(b: number): number {
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

/**
 * Incremental UTF-8 validator: feed a text message chunk by chunk (fragments, inflated pieces);
 * a multi-byte sequence may be split anywhere between chunks. `push` returns false as soon as a
 * chunk cannot be the prefix of valid UTF-8; `end` returns false if the message stops inside a
 * sequence.
 */
export class Utf8Validator {
  private state = UTF8_ACCEPT;

  /** Forget any partial sequence (start of a new message). */
  reset(): void {
    this.state = UTF8_ACCEPT;
  }

  /** Validates one more chunk of the message. */
  push(chunk: Uint8Array): boolean {
    let start = 0;
    const len = chunk.length;
    // Finish a sequence left open by the previous chunk (at most 3 bytes).
    while (this.state !== UTF8_ACCEPT && start < len) {
      this.state = TRANSITION[this.state + CHAR_CLASS[chunk[start++]]];
      if (this.state === UTF8_REJECT) return false;
    }
    if (start >= len) return true;
    // Find where a trailing incomplete sequence starts, so the native check sees only
    // complete sequences and the DFA keeps the tail.
    let cut = len;
    const last = chunk[len - 1];
    if (last >= 0x80) {
      const floor = Math.max(start, len - 4);
      for (let i = len - 1; i >= floor; i--) {
        const b = chunk[i];
        if ((b & 0xc0) !== 0x80) {
          const need = sequenceLength(b);
          if (need > len - i) cut = i;
          break;
        }
      }
    }
    if (cut > start && !isUtf8(chunk.subarray(start, cut))) return false;
    for (let i = cut; i < len; i++) {
      this.state = TRANSITION[this.state + CHAR_CLASS[chunk[i]]];
      if (this.state === UTF8_REJECT) return false;
    }
    return true;
  }

  /** True when the message ended on a sequence boundary. Resets for the next message. */
  end(): boolean {
    const ok = this.state === UTF8_ACCEPT;
    this.state = UTF8_ACCEPT;
    return ok;
  }
}

/** Validates a complete buffer (close reasons, unfragmented text messages). */
export function isValidUtf8(buf: Uint8Array): boolean {
  return buf.length === 0 || isUtf8(buf);
}
