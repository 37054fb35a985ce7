import { randomUUID } from 'node:crypto';
import type { IdGenerator } from '../../ports/id-generator.port';

/**
 * Returns `s` after making V8 store it as one flat string. Node builds `randomUUID()` by
 * concatenating hex pieces, and V8 keeps such a result as a rope of cons-strings (about 490
 * bytes for 36 characters, against about 65 flat) until something reads it character by
 * character. A client id lives as long as its connection, so it is flattened once, at connect
 * time, with one `charCodeAt` (the GC then drops the rope). Encoding the Connect message
 * flattens it later anyway, so the saving measured per idle connection is smaller (about 30 B,
 * `node --expose-gc bench/micro/server-hot-path.bench.js --only idle`), but it no longer
 * depends on that.
 */
export function flatString(s: string): string {
  if (s.length > 0) s.charCodeAt(0);
  return s;
}

/** Client ids as RFC 9562 UUID v4 strings (flat: see {@link flatString}). */
export class UuidIdGenerator implements IdGenerator {
  next(): string {
    return flatString(randomUUID());
  }
}

/** Wraps the user's `generateClientId` option; rejects non-string or empty ids early. */
export class FunctionIdGenerator implements IdGenerator {
  constructor(private readonly fn: () => string) {
    if (typeof fn !== 'function') throw new TypeError('generateClientId must be a function');
  }

  next(): string {
    const id = this.fn();
    if (typeof id !== 'string' || id.length === 0) {
      throw new TypeError(`generateClientId must return a non-empty string, got ${String(id)}`);
    }
    return flatString(id);
  }
}
