import type { ConnectionAcceptor, HandshakeInfo, Refusal } from '../../ports/transport.port';
import { CloseCode, StelarErrorCode } from '../../domain/errors';

/** The refusal of an attempt the acceptor could not screen (it threw or rejected): 500 / 1011. */
export const INTERNAL_REFUSAL: Refusal = Object.freeze({
  status: 500,
  closeCode: CloseCode.InternalError,
  code: StelarErrorCode.Internal,
  reason: 'The server could not screen the connection',
});

/** A verdict: null admits, a Refusal refuses; a Promise when the acceptor screens asynchronously. */
export type Verdict = Refusal | null | Promise<Refusal | null>;

/**
 * Asks `acceptor` (or nobody: refused) about one attempt. A throwing acceptor is an internal
 * refusal, never an exception in the transport; a rejected promise becomes one too, so callers
 * only ever see a Refusal or null.
 */
export function screenAttempt(acceptor: ConnectionAcceptor | null, info: HandshakeInfo): Verdict {
  if (acceptor === null) return INTERNAL_REFUSAL;
  let verdict: Verdict;
  try {
    verdict = acceptor.screen(info);
  } catch {
    return INTERNAL_REFUSAL;
  }
  if (isPending(verdict)) return verdict.then(undefined, internalRefusal);
  return verdict;
}

/** True for a verdict still being computed. */
export function isPending(verdict: Verdict): verdict is Promise<Refusal | null> {
  return verdict !== null && typeof (verdict as Promise<unknown>).then === 'function';
}

function internalRefusal(): Refusal {
  return INTERNAL_REFUSAL;
}
