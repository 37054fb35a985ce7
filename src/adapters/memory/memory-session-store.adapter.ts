import { randomBytes } from 'node:crypto';
import type { SessionStore, SessionTokenGenerator, StoredSession } from '../../ports/session-store.port';

/** In-process {@link SessionStore}: a Map; `sweep` (every 30 s) drops expired sessions. */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, StoredSession>();

  get(id: string): StoredSession | undefined {
    return this.sessions.get(id);
  }

  local(id: string): StoredSession | undefined {
    return this.sessions.get(id);
  }

  /**
   * Stores the live object. With `expectedToken` it writes only over the same object (the
   * domain changes the token on that object before writing it) or a session with that token.
   */
  set(session: StoredSession, expectedToken?: string): boolean {
    if (expectedToken !== undefined) {
      const cur = this.sessions.get(session.id);
      if (cur === undefined || (cur !== session && cur.token !== expectedToken)) return false;
    }
    this.sessions.set(session.id, session);
    return true;
  }

  delete(id: string, expectedToken?: string): void {
    if (expectedToken !== undefined && this.sessions.get(id)?.token !== expectedToken) return;
    this.sessions.delete(id);
  }

  sweep(now: number): StoredSession[] {
    const gone: StoredSession[] = [];
    for (const [id, s] of this.sessions) {
      if (s.expiresAt < now) {
        this.sessions.delete(id);
        gone.push(s);
      }
    }
    return gone;
  }

  get size(): number {
    return this.sessions.size;
  }
}

/** Resume tokens: 128 bits from `crypto.randomBytes`, base64url (22 characters). */
export class RandomSessionTokenGenerator implements SessionTokenGenerator {
  next(): string {
    return randomBytes(16).toString('base64url');
  }
}
