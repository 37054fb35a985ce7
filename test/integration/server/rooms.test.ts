import { ServerKit, DOMAIN_MODES, until, next } from '../../helpers/server-kit';

const kit = new ServerKit();
afterEach(() => kit.teardown());

describe.each(DOMAIN_MODES)('rooms over %s', (mode) => {
  it('joins and leaves from the client, confirmed; empty rooms disappear', async () => {
    const server = await kit.server();
    const c = await kit.connect(server, mode);
    await expect(c.joinRoom('general')).resolves.toBe(true);
    await expect(c.joinRoom('general')).resolves.toBe(true); // duplicate join is harmless
    await c.joinRoom('random');
    expect(server.getRooms().sort()).toEqual(['general', 'random']);
    expect(server.getRoomMembers('general')).toEqual([c.getId()]);
    expect(server.getClients()).toEqual([{ id: c.getId(), rooms: ['general', 'random'] }]);
    expect(server.getClients('random')).toEqual([{ id: c.getId(), rooms: ['general', 'random'] }]);
    await expect(c.leaveRoom('general')).resolves.toBe(true);
    expect(server.getRooms()).toEqual(['random']);
    expect(server.getStats().totalRooms).toBe(1);
  });

  it('joins from the server (ctx.joinRoom) and cleans every room on disconnect', async () => {
    const server = await kit.server();
    const left: string[][] = [];
    server.on('joinChannel', (ctx) => {
      ctx.joinRoom(ctx.data.channel);
      ctx.to(ctx.data.channel, 'userJoined', { userId: ctx.id });
    });
    server.onDisconnect((ctx) => left.push([...ctx.clientInfo.rooms]));
    const a = await kit.connect(server, mode);
    const b = await kit.connect(server, mode);
    await b.joinRoom('alpha');
    const joined = next(b, 'userJoined');
    a.emit('joinChannel', { channel: 'alpha' });
    expect(await joined).toEqual({ userId: a.getId() });
    a.emit('joinChannel', { channel: 'beta' });
    await until(() => server.getRooms().length === 2);
    a.disconnect();
    await until(() => server.getStats().activeConnections === 1);
    expect(left[0].sort()).toEqual(['alpha', 'beta']);
    expect(server.getRooms()).toEqual(['alpha']);
    expect(server.getRoomMembers('alpha')).toEqual([b.getId()]);
  });

  it('honours onClientJoinRoom / onClientLeaveRoom vetoes and tells the client', async () => {
    const server = await kit.server({
      hooks: {
        onClientJoinRoom: ({ room, metadata }) => (room.startsWith('admin-') && metadata.get('role') !== 'admin' ? false : undefined),
        onClientLeaveRoom: ({ room }) => (room === 'sticky' ? false : undefined),
      },
    });
    const c = await kit.connect(server, mode);
    await expect(c.joinRoom('admin-panel')).resolves.toBe(false);
    expect(server.getRooms()).toEqual([]);
    await c.joinRoom('sticky');
    await expect(c.leaveRoom('sticky')).resolves.toBe(false);
    expect(server.getRoomMembers('sticky')).toEqual([c.getId()]);
  });

  it('enforces maxRooms and maxRoomsPerClient with their hooks', async () => {
    const maxRooms: unknown[] = [];
    const perClient: unknown[] = [];
    const server = await kit.server({
      maxRooms: 2,
      maxRoomsPerClient: 1,
      hooks: { onMaxRoomsReached: (i) => void maxRooms.push(i), onMaxRoomsPerClientReached: (i) => void perClient.push(i) },
    });
    const a = await kit.connect(server, mode);
    const b = await kit.connect(server, mode);
    const c = await kit.connect(server, mode);
    expect(await a.joinRoom('one')).toBe(true);
    expect(await a.joinRoom('two')).toBe(false);
    expect(perClient).toEqual([{ clientId: a.getId(), room: 'two', currentRooms: 1, max: 1 }]);
    expect(await b.joinRoom('two')).toBe(true);
    expect(await c.joinRoom('three')).toBe(false);
    expect(maxRooms).toEqual([{ clientId: c.getId(), room: 'three', totalRooms: 2, max: 2 }]);
    expect(await c.joinRoom('one')).toBe(true); // joining an existing room is fine at the cap
  });

  it('refuses invalid room names at the client: resolves false and reports an error, never throws', async () => {
    const server = await kit.server();
    const c = await kit.connect(server, mode);
    const errors: Error[] = [];
    c.on('error', (err) => errors.push(err));
    await expect(c.joinRoom('x'.repeat(300))).resolves.toBe(false);
    await expect(c.joinRoom('')).resolves.toBe(false);
    await expect(c.leaveRoom('')).resolves.toBe(false);
    await expect(c.joinRoom(undefined as never)).resolves.toBe(false);
    expect(errors.map((e) => [e.name, (e as Error & { code?: string }).code])).toEqual(
      Array(4).fill(['TypeError', 'STELAR_ERR_INVALID_EVENT_NAME']),
    );
    expect(errors[1].message).toMatch(/room/);
    // The connection is unaffected and valid names still work.
    expect(await c.joinRoom('ok')).toBe(true);
    expect(server.getRooms()).toEqual(['ok']);
  });
});
