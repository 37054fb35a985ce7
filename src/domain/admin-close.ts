import { CloseCode } from './errors';

/** Longest close reason in UTF-8 bytes (RFC 6455 §5.5: a control frame body is ≤ 125 bytes). */
export const MAX_CLOSE_REASON_BYTES = 123;

/** Close codes an application may send (RFC 6455 §7.4): the sendable standard ones and 3000–4999. */
const SENDABLE = new Set<number>([
  CloseCode.Normal,
  CloseCode.GoingAway,
  CloseCode.PolicyViolation,
  CloseCode.MessageTooBig,
  CloseCode.InternalError,
  CloseCode.ServiceRestart,
  CloseCode.TryAgainLater,
]);

/**
 * Checks the code and reason of an admin disconnect (`server.disconnect`, `ctx.disconnect`).
 * @throws RangeError for a code a peer would reject, TypeError/RangeError for a bad reason.
 */
export function checkAdminClose(code: unknown, reason: unknown): void {
  if (typeof code !== 'number' || !Number.isInteger(code) || !(SENDABLE.has(code) || (code >= 3000 && code <= 4999))) {
    throw new RangeError(`close code must be 1000, 1001, 1008, 1009, 1011-1013 or 3000-4999, got ${String(code)}`);
  }
  if (typeof reason !== 'string') throw new TypeError('close reason must be a string');
  if (new TextEncoder().encode(reason).byteLength > MAX_CLOSE_REASON_BYTES) {
    throw new RangeError(`close reason must be at most ${MAX_CLOSE_REASON_BYTES} UTF-8 bytes`);
  }
}
