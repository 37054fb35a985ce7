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

/**
 * A networked session store, hand-written: every answer is a Promise (as over Redis), `down`
 * makes them reject (Redis unreachable), and `held` lists the sessions "connected here".
 */
export class FakeAsyncSessionStore implements SessionStore {
  readonly networked = true;
  readonly map = new Map<string, { token: string; copy: string }>();
  readonly held = new Map<string, StoredSession>();
  down = false;
  writes = 0;
  async get(id: string): Promise<StoredSession | undefined> {
    if (this.down) throw new Error('store down');
    const e = this.map.get(id);
    if (e === undefined) return undefined;
    const o = JSON.parse(e.copy) as { s: [string, { offset: number; epoch: string }][]; u: number | null; x: number; n: string };
    return { id, namespace: o.n, token: e.token, streams: new Map(o.s), metadata: null, suspendedAt: o.u, expiresAt: o.x === null ? Infinity : o.x, processed: 0, answers: null };
  }
  local(id: string): StoredSession | undefined {
    return this.held.get(id);
  }
  async set(s: StoredSession, expectedToken?: string): Promise<boolean> {
    if (this.down) throw new Error('store down');
    const cur = this.map.get(s.id);
    if (expectedToken !== undefined && cur?.token !== expectedToken) return false;
    this.writes++;
    this.map.set(s.id, { token: s.token, copy: JSON.stringify({ s: [...s.streams], u: s.suspendedAt, x: Number.isFinite(s.expiresAt) ? s.expiresAt : null, n: s.namespace }) });
    if (s.suspendedAt === null) this.held.set(s.id, s);
    else this.held.delete(s.id);
    return true;
  }
  delete(id: string, expectedToken?: string): void {
    this.held.delete(id);
    if (expectedToken === undefined || this.map.get(id)?.token === expectedToken) this.map.delete(id);
  }
  sweep(): StoredSession[] {
    return [];
  }
  get size(): number {
    return this.held.size;
  }
}
