import { collect, until } from '../../helpers/server-kit';
import { RecoveryKit, dropAndReturn } from './recovery-e2e.kit';

// Session recovery end to end over real sockets, with the drop made by a proxy that resets both
// directions (docs/API.md, "Session recovery"). Each mode runs the same cases.
const MODES = ['ws', 'tcp'] as const;

describe.each(MODES)('session recovery over %s', (mode) => {
  const kit = new RecoveryKit({ mode, tls: false });
  afterEach(() => kit.teardown());

  it('room messages 1,2,3 with a drop around 2 arrive [1,2,3] exactly once, in order, before new ones; id, rooms, metadata kept', async () => {
    const rig = await kit.setup({ windowMs: 10000 });
    const { server, client, connects } = rig;
    const resumes: string[] = [];
    const connections: string[] = [];
    const hookResumes: { clientId: string; missed: number }[] = [];
    server.onResume((ctx) => resumes.push(ctx.id));
    server.onConnection((ctx) => connections.push(ctx.id));
    server.updateConfig({ hooks: { onClientResume: (i) => hookResumes.push({ clientId: i.clientId, missed: i.missed }) } });
    server.on('meta', (ctx) => {
      ctx.setMetadata('user', 'ann');
      ctx.emit('meta-ok', true);
    });
    server.on('whoami', (ctx) => ctx.emit('me', ctx.getMetadata('user')));
    const got = collect<number>(client, 'n');
    const direct = collect<string>(client, 'd');
    const me = collect<unknown>(client, 'me');
    const metaOk = collect<boolean>(client, 'meta-ok');
    expect(await client.joinRoom('r')).toBe(true);
    client.emit('meta');
    await until(() => metaOk.length === 1, 3000, 'metadata set');
    const id = client.getId()!;
    server.to('r', 'n', 1);
    await until(() => got.length === 1, 3000, 'message 1');
    // Message 2 is written and the wire is cut in the same tick: it may or may not arrive.
    server.to('r', 'n', 2);
    await dropAndReturn(rig, id, () => {
      server.to('r', 'n', 3);
      server.toId(id, 'd', 'while-away');
    });
    expect(connects[1]).toEqual({ recovered: true });
    expect(client.isRecovered()).toBe(true);
    expect(client.getId()).toBe(id);
    server.to('r', 'n', 4);
    await until(() => got.length >= 4, 3000, 'message 4');
    expect(got).toEqual([1, 2, 3, 4]);
    expect(direct).toEqual(['while-away']);
    // Rooms restored by the server (no rejoin round trip) and metadata kept.
    expect(server.getRoomMembers('r')).toEqual([id]);
    client.emit('whoami');
    await until(() => me.length === 1, 3000, 'whoami');
    expect(me).toEqual(['ann']);
    expect(connections).toEqual([]); // onConnection does not run again for a resume
    expect(resumes).toEqual([id]);
    expect(hookResumes).toHaveLength(1);
    expect(hookResumes[0].clientId).toBe(id);
    expect(hookResumes[0].missed).toBeGreaterThanOrEqual(2); // 3 and the direct one, and 2 if it was lost
    // The outcomes are counted (docs/OPERATIONS.md, stelar_recovery_total).
    const text = await server.metrics();
    expect(text).toMatch(/^stelar_recovery_total\{[^}]*outcome="new"[^}]*\} 1$/m);
    expect(text).toMatch(/^stelar_recovery_total\{[^}]*outcome="recovered"[^}]*\} 1$/m);
  });

  it('broadcasts and ctx.emit sent while away are replayed; the sender is not sent its own ctx.broadcast', async () => {
    const rig = await kit.setup(true);
    const { server, client, connects } = rig;
    const all = collect<string>(client, 'all');
    const id = client.getId()!;
    server.broadcast('all', 'a1');
    await until(() => all.length === 1, 3000, 'a1');
    await dropAndReturn(rig, id, () => {
      server.broadcast('all', 'a2');
      server.broadcast('all', 'skip-me', id);
    });
    expect(connects[1]).toEqual({ recovered: true });
    server.broadcast('all', 'a3');
    await until(() => all.length >= 3, 3000, 'a3');
    expect(all).toEqual(['a1', 'a2', 'a3']);
  });

  it("reason 'disabled': recovery off on the server — a new id, rooms rejoined as before", async () => {
    const rig = await kit.setup(false);
    const { server, client, connects } = rig;
    expect(await client.joinRoom('r')).toBe(true);
    const id = client.getId()!;
    await dropAndReturn(rig, id);
    expect(connects[1]).toEqual({ recovered: false, reason: 'disabled' });
    expect(client.isRecovered()).toBe(false);
    expect(client.getId()).not.toBe(id);
    await until(() => server.getRoomMembers('r').length === 1, 3000, 'rejoin');
    expect(server.getRoomMembers('r')).toEqual([client.getId()]);
  });

  it("reason 'expired': reconnecting after windowMs", async () => {
    const rig = await kit.setup({ windowMs: 150 }, { client: { customReconnectDelay: () => 400 } });
    const { server, client, connects } = rig;
    const id = client.getId()!;
    await dropAndReturn(rig, id);
    expect(connects[1]).toEqual({ recovered: false, reason: 'expired' });
    expect(client.isRecovered()).toBe(false);
    expect(await server.metrics()).toMatch(/^stelar_recovery_total\{[^}]*outcome="expired"[^}]*\} 1$/m);
  });

  it("reason 'history': more missed room messages than historySize; the client rejoins its rooms", async () => {
    const rig = await kit.setup({ historySize: 2 });
    const { server, client, connects } = rig;
    expect(await client.joinRoom('r')).toBe(true);
    const got = collect<number>(client, 'n');
    server.to('r', 'n', 0);
    await until(() => got.length === 1, 3000, 'message 0');
    const id = client.getId()!;
    await dropAndReturn(rig, id, () => {
      for (let i = 1; i <= 5; i++) server.to('r', 'n', i);
    });
    expect(connects[1]).toEqual({ recovered: false, reason: 'history' });
    // Never a partial replay.
    expect(got).toEqual([0]);
    await until(() => server.getRoomMembers('r').length === 1, 3000, 'rejoin');
  });

  it("reason 'unknown': the session is not on the server reached (another server)", async () => {
    const rig = await kit.setup(true);
    const { server, proxy, client, connects } = rig;
    const other = await kit.server({ recovery: true } as never);
    const id = client.getId()!;
    proxy.retarget(kit.portOf(other));
    await dropAndReturn(rig, id);
    expect(connects[1]).toEqual({ recovered: false, reason: 'unknown' });
  });

  it('server.disconnect(id) of a client that is away ends its session: the resume says unknown', async () => {
    const rig = await kit.setup({ windowMs: 10000 }, { client: { customReconnectDelay: () => 300 } });
    const { server, client, connects } = rig;
    const id = client.getId()!;
    let wasConnected: boolean | undefined;
    await dropAndReturn(rig, id, () => {
      wasConnected = server.disconnect(id);
    });
    expect(wasConnected).toBe(false); // not connected here, but its session ends
    expect(connects[1]).toEqual({ recovered: false, reason: 'unknown' });
  });

  it('a client that stops on purpose ends its session (disconnect() is not a drop)', async () => {
    const rig = await kit.setup(true);
    const { server, client } = rig;
    const id = client.getId()!;
    client.disconnect();
    await until(() => rig.gone.includes(id), 5000, 'disconnect');
    expect(server.getConfig().recovery).toEqual({ windowMs: 120000, historySize: 1000, skipMiddleware: false });
  });
});
