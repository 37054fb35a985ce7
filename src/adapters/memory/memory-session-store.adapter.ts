import { randomBytes } from 'node:crypto';
import type { SessionStore, SessionTokenGenerator, StoredSession } from '../../ports/session-store.port';

/** In-process {@link SessionStore}: a Map; `sweep` (every 30 s) drops expired sessions. */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, StoredSession>();

  get(id: string): StoredSession | undefined {
    return this.sessions.get(id);
  }

  set(session: StoredSession): void {
    this.sessions.set(session.id, session);
  }

  delete(id: string): void {
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
