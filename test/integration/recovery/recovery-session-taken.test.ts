// The receiving end of "your session was resumed on another node" (cluster mode: the
// SESSION_TAKEN control, docs/CLUSTER.md), driven through the cluster state provider the bus
// calls, on one server over every transport (WS, TCP and in-process): the connection still held
// for that session is closed with 4001, its onDisconnect runs, and the session is not ended (it
// is suspended, so the client can still resume it); an unknown id is left alone.
import type { StelarClient } from '../../../src';
import { APP_TOKENS } from '../../../src/application/server/app-tokens';
import type { LocalClusterState } from '../../../src/domain/local-cluster-state';
import { DOMAIN_MODES, ServerKit, until } from '../../helpers/server-kit';
import type { ConnectInfo } from './recovery-e2e.kit';

describe.each(DOMAIN_MODES)('session taken elsewhere (%s)', (mode) => {
  const kit = new ServerKit();
  afterEach(() => kit.teardown());

  it('closes the connection still held for the session with 4001; the session stays resumable', async () => {
    const server = await kit.server({ recovery: true });
    const gone: string[] = [];
    server.onDisconnect((ctx) => void gone.push(ctx.id));
    const state = server.container.get<LocalClusterState>(APP_TOKENS.LocalState);
    const client: StelarClient = kit.client(server, mode, { reconnection: true, reconnectionDelay: 20, maxReconnectionDelay: 50 } as never);
    const connects: ConnectInfo[] = [];
    const closes: number[] = [];
    client.on('connect', (info: ConnectInfo) => connects.push(info));
    client.on('disconnect', (info: { code?: number } | number) => closes.push(typeof info === 'number' ? info : (info?.code ?? -1)));
    client.connect();
    await until(() => connects.length === 1, 5000, 'connect');
    const id = client.getId()!;
    expect(state.sessionTaken('nobody')).toBe(false);
    expect(state.sessionTaken(id)).toBe(true);
    await until(() => gone.length === 1, 5000, 'onDisconnect');
    expect(gone).toEqual([id]);
    // Not ended: the client's reconnection resumes the same session here.
    await until(() => connects.length === 2, 5000, 'resume');
    expect(connects[1]).toEqual({ recovered: true });
    expect(client.getId()).toBe(id);
    expect(closes[0]).toBe(4001);
  });
});
