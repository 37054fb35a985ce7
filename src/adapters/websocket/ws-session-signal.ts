import type { SessionSignal } from '../../ports/connection.port';

/**
 * Session recovery from a client that cannot send handshake headers (a browser WebSocket):
 * the upgrade URL carries `stelar_session=new` (give me a session) or `stelar_session=hello`
 * (my offer follows as my first message, a Connect hello with `session`), never the token
 * itself, so nothing secret reaches an access log (docs/PROTOCOL.md, "Session recovery").
 * Pure: used by the server transport and the browser bundle.
 */
export const SESSION_QUERY = 'stelar_session';

const KEY = SESSION_QUERY + '=';

/** The signal in an upgrade request's URL (`/path?…&stelar_session=hello`), or null. */
export function sessionSignalOf(url: string): SessionSignal | null {
  const q = url.indexOf('?');
  if (q === -1) return null;
  let at = url.indexOf(KEY, q + 1);
  // Only a whole parameter name counts (not `xstelar_session=`).
  while (at !== -1 && url.charCodeAt(at - 1) !== 0x3f /* ? */ && url.charCodeAt(at - 1) !== 0x26 /* & */) {
    at = url.indexOf(KEY, at + 1);
  }
  if (at === -1) return null;
  const start = at + KEY.length;
  let end = start;
  while (end < url.length && url.charCodeAt(end) !== 0x26 && url.charCodeAt(end) !== 0x23 /* # */) end++;
  const value = url.slice(start, end);
  return value === 'new' || value === 'hello' ? value : null;
}

/** `url` with the signal appended to its query (before any fragment). */
export function withSessionSignal(url: string, signal: SessionSignal): string {
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  return base + (base.includes('?') ? '&' : '?') + KEY + signal;
}
