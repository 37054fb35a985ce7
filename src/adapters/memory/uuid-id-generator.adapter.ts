import { randomUUID } from 'node:crypto';
import type { IdGenerator } from '../../ports/id-generator.port';

/** Client ids as RFC 9562 UUID v4 strings. */
export class UuidIdGenerator implements IdGenerator {
  next(): string {
    return randomUUID();
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
    return id;
  }
}
