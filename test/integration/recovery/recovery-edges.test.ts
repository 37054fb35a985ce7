import { StelarServer, TOKENS } from '../../../src';
import { MemoryStreamStore } from '../../../src/adapters/memory/memory-stream-store.adapter';
import { collect, until } from '../../helpers/server-kit';
import { RECOVERY_VARIANTS, RecoveryKit, dropAndReturn } from './recovery-e2e.kit';

// Session recovery: TLS variants of the drop case, a resume while the old connection still
// looks alive (half-open), and the middleware rule on resume (docs/API.md, "Session recovery").

describe.each(RECOVERY_VARIANTS)('session recovery edges over $name', ({ mode, tls }) => {
  const kit = new RecoveryKit({ mode, tls });
  afterEach(() => kit.teardown());

  it('room messages 1,2,3 with a drop around 2 arrive [1,2,3] exactly once', async () => {
    const rig = await kit.setup(true);
    const { server, client, connects } = rig;
    const got = collect<number>(client, 'n');
    expect(await client.joinRoom('r')).toBe(true);
    const id = client.getId()!;
    server.to('r', 'n', 1);
    await until(() => got.length === 1, 3000, 'message 1');
    server.to('r', 'n', 2);
    await dropAndReturn(rig, id, () => server.to('r', 'n', 3));
    server.to('r', 'n', 4);
    await until(() => got.length >= 4, 3000, 'message 4');
    expect(connects[1]).toEqual({ recovered: true });
    expect(got).toEqual([1, 2, 3, 4]);
    expect(client.getId()).toBe(id);
  });

  if (tls) return; // the cases below do not depend on the encryption layer

  it('a resume while the old connection still looks alive closes the old one with 4001 and loses nothing', async () => {
    const { server, proxy, client, connects } = await kit.setup(true, { client: { heartbeatInterval: 100 } });
    const closes: { id: string; code: number }[] = [];
    server.updateConfig({ hooks: { onClientDisconnect: (i) => closes.push({ id: i.clientId, code: -1 }) } });
    const got = collect<number>(client, 'n');
    expect(await client.joinRoom('r')).toBe(true);
    const id = client.getId()!;
    server.to('r', 'n', 1);
    await until(() => got.length === 1, 3000, 'message 1');
    // Half-open: the server keeps a connection that never delivers again.
    proxy.freeze();
    server.to('r', 'n', 2);
    server.toId(id, 'n', 3);
    // The client notices the silence itself, reconnects through the proxy and resumes.
    await until(() => connects.length === 2, 5000, 'reconnect after the client heartbeat timeout');
    expect(connects[1]).toEqual({ recovered: true });
    // The server closed the old connection (it is no longer listed twice, its cleanup ran).
    expect(closes.map((c) => c.id)).toEqual([id]);
    expect(server.getClients().map((c) => c.id)).toEqual([id]);
    expect(server.getRoomMembers('r')).toEqual([id]);
    server.to('r', 'n', 4);
    await until(() => got.length >= 4, 3000, 'message 4');
    expect(got).toEqual([1, 2, 3, 4]);
  });

  it('skipMiddleware false: a resume runs the middleware again, with the resumed id; a refusal ends the session', async () => {
    const seen: string[] = [];
    let refuse = false;
    const rig = await kit.setup({ skipMiddleware: false }, {
      server: (s) =>
        s.use((ctx, next) => {
          seen.push(ctx.id);
          if (refuse) throw new Error('banned');
          next();
        }),
    });
    const { proxy, client, connects } = rig;
    const id = client.getId()!;
    await dropAndReturn(rig, id);
    expect(connects[1]).toEqual({ recovered: true });
    expect(seen).toEqual([id, id]);
    // Now the middleware refuses: the session ends, the next connect cannot resume it.
    refuse = true;
    const errors = collect<Error>(client, 'error');
    proxy.cut();
    await until(() => seen.length === 3, 5000, 'middleware on the second resume');
    await until(() => errors.length > 0, 5000, 'refusal reported');
    refuse = false;
    await until(() => connects.length === 3, 5000, 'connect after the refusal');
    expect(connects[2]).toEqual({ recovered: false, reason: 'unknown' });
  });

  it("reason 'epoch': the stream store lost the room's history (a rebound StreamStore port, flushed)", async () => {
    const store = new MemoryStreamStore({ historySize: 1000, windowMs: 120000 });
    const server = StelarServer.create(
      { port: 0, tcpPort: 0, logger: false, gracefulShutdown: false, recovery: true },
      { configure: (c) => c.rebind(TOKENS.StreamStore).toConstantValue(store) },
    );
    await server.start();
    try {
      const rig = await kit.rig(server);
      const { client, connects } = rig;
      const got = collect<number>(client, 'n');
      expect(await client.joinRoom('r')).toBe(true);
      server.to('r', 'n', 1);
      await until(() => got.length === 1, 3000, 'message 1');
      const id = client.getId()!;
      await dropAndReturn(rig, id, () => {
        store.delete('#r'); // as a flushed or restarted store would: the next message starts a new epoch
        server.to('r', 'n', 2);
      });
      expect(connects[1]).toEqual({ recovered: false, reason: 'epoch' });
      await until(() => server.getRoomMembers('r').length === 1, 3000, 'rejoin');
    } finally {
      await server.stop();
    }
  });

  it('skipMiddleware true: a resume skips the middleware', async () => {
    const seen: string[] = [];
    const rig = await kit.setup({ skipMiddleware: true }, {
      server: (s) =>
        s.use((ctx, next) => {
          seen.push(ctx.id);
          next();
        }),
    });
    const { client, connects } = rig;
    const id = client.getId()!;
    await dropAndReturn(rig, id);
    expect(connects[1]).toEqual({ recovered: true });
    expect(seen).toEqual([id]);
  });
});
