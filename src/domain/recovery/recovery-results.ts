import type { StoredSession } from '../../ports/session-store.port';
import type { ReplayResult } from './replay-merge';

/**
 * Why a resume offer was not honoured (the client's `connect` info `reason`, stable codes):
 * `'expired'` the window passed, `'history'` missed messages were already dropped,
 * `'epoch'` a stream's history was lost (positions of another incarnation), `'unknown'` no such
 * session here (never existed, swept, ended, another namespace, or a wrong/forged/used token),
 * `'disabled'` the server has recovery off, `'unavailable'` the session or history store did
 * not answer (a networked store: Redis unreachable or slower than its timeout).
 */
export type ResumeFailure = 'expired' | 'history' | 'epoch' | 'unknown' | 'disabled' | 'unavailable';

export type ClaimResult = { readonly ok: true; readonly session: StoredSession } | { readonly ok: false; readonly reason: ResumeFailure };

export const DISABLED: ClaimResult = Object.freeze({ ok: false, reason: 'disabled' });
export const UNKNOWN: ClaimResult = Object.freeze({ ok: false, reason: 'unknown' });
export const EXPIRED: ClaimResult = Object.freeze({ ok: false, reason: 'expired' });
export const UNAVAILABLE: ClaimResult & ReplayResult = Object.freeze({ ok: false, reason: 'unavailable' }) as ClaimResult & ReplayResult;
