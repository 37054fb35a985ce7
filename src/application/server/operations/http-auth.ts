import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MaybePromise } from '../../../ports/maybe-promise';
import type { HttpAuth } from './operations-options';

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Constant-time string equality (both sides hashed first, so lengths leak nothing). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** `Authorization: Basic …` → [user, password], or null. */
export function basicCredentials(header: string | undefined): [string, string] | null {
  if (typeof header !== 'string') return null;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (m === null) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? null : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

/**
 * True when `req` passes `auth`. Basic: both the user and the password are compared (in constant
 * time) whatever the first comparison gave. A function that throws or rejects refuses.
 */
export function authorize(auth: HttpAuth, req: IncomingMessage): MaybePromise<boolean> {
  if (typeof auth === 'function') {
    let r: boolean | Promise<boolean>;
    try {
      r = auth(req);
    } catch {
      return false;
    }
    return r instanceof Promise ? r.then((ok) => ok === true, () => false) : r === true;
  }
  const creds = basicCredentials(req.headers.authorization);
  if (creds === null) return false;
  const userOk = safeEqual(creds[0], auth.username);
  const passOk = safeEqual(creds[1], auth.password);
  return userOk && passOk;
}

/** 401 with a Basic challenge (so browsers ask), or without one for function auth. */
export function refuse(res: ServerResponse, auth: HttpAuth, realm: string): void {
  const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' };
  if (typeof auth !== 'function') headers['WWW-Authenticate'] = `Basic realm="${realm}", charset="UTF-8"`;
  res.writeHead(401, headers);
  res.end('Unauthorized');
}

/** Runs `then` once `req` is authorised (or at once with no auth); answers 401 otherwise. */
export function withAuth(auth: HttpAuth | undefined, realm: string, req: IncomingMessage, res: ServerResponse, then: () => void): void {
  if (auth === undefined) return then();
  const r = authorize(auth, req);
  if (r === true) return then();
  if (r === false) return refuse(res, auth, realm);
  r.then((ok) => (ok ? then() : refuse(res, auth, realm))).catch(() => {
    if (!res.headersSent) res.writeHead(500).end();
  });
}
