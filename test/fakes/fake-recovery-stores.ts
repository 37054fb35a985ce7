import type { SessionStore, SessionTokenGenerator, StoredSession } from '../../src/ports/session-store.port';

/** Sequential, recognisable tokens (t1, t2…): tests check which token is current. */
export class FakeTokenGenerator implements SessionTokenGenerator {
  n = 0;
  next(): string {
    return `tok-${++this.n}-${'x'.repeat(20)}`;
  }
}

/** Sequential epochs (e1, e2…) so a recreated stream is recognisable. */
export function fakeEpochs(): () => string {
  let n = 0;
  return () => `e${++n}`;
}

/** A session store over a Map, counting sweeps. */
export class FakeSessionStore implements SessionStore {
  readonly map = new Map<string, StoredSession>();
  sweeps = 0;
  get(id: string): StoredSession | undefined {
    return this.map.get(id);
  }
  local(id: string): StoredSession | undefined {
    return this.map.get(id);
  }
  set(session: StoredSession, expectedToken?: string): boolean {
    const cur = this.map.get(session.id);
    if (expectedToken !== undefined && (cur === undefined || (cur !== session && cur.token !== expectedToken))) return false;
    this.map.set(session.id, session);
    return true;
  }
  delete(id: string, expectedToken?: string): void {
    if (expectedToken !== undefined && this.map.get(id)?.token !== expectedToken) return;
    this.map.delete(id);
  }
  sweep(now: number): StoredSession[] {
    this.sweeps++;
    const gone = [...this.map.values()].filter((s) => s.expiresAt < now);
    for (const s of gone) this.map.delete(s.id);
    return gone;
  }
  get size(): number {
    return this.map.size;
  }
}
