import type { StoredSession } from '../../ports/session-store.port';
import type { StelarMessage } from '../message';

/**
 * Most answers a session keeps for re-sent requests (docs/API.md, "Session recovery"). The
 * cached message is the one recorded in the session's direct stream (the same object), so the
 * cache costs one Map entry per answer on top of the history.
 */
export const MAX_CACHED_ANSWERS = 256;

/**
 * The per-session answer cache: a request re-sent after a resume (its confirmation was lost
 * with the connection) is answered from here instead of running its handler again. Entries go
 * in answer order (their direct-stream offsets grow), the oldest is dropped past
 * {@link MAX_CACHED_ANSWERS}, and every entry the client has confirmed receiving (its
 * direct-stream offset, from a Confirm message or a resume offer) is forgotten.
 */
export function rememberAnswer(session: StoredSession, seq: number, answer: StelarMessage): void {
  const cache = (session.answers ??= new Map());
  cache.set(seq, answer);
  if (cache.size > MAX_CACHED_ANSWERS) cache.delete(cache.keys().next().value as number);
}

/** The cached answer to request `seq`, or undefined (never answered yet, or forgotten). */
export function cachedAnswer(session: StoredSession, seq: number): StelarMessage | undefined {
  return session.answers === null ? undefined : session.answers.get(seq);
}

/** Forgets every cached answer at or before `offset` of the direct stream (the client has them). */
export function forgetAnswersThrough(session: StoredSession, offset: number): void {
  const cache = session.answers;
  if (cache === null) return;
  for (const [seq, answer] of cache) {
    const pos = (answer as { pos?: { offset: number } }).pos;
    if (pos !== undefined && pos.offset > offset) break;
    cache.delete(seq);
  }
  if (cache.size === 0) session.answers = null;
}
