import type { StelarClient } from '../../../src/client';
import type { StelarServer } from '../../../src';
import { ServerKit, DOMAIN_MODES, collect, next } from '../../helpers/server-kit';

const kit = new ServerKit();
afterEach(() => kit.teardown());

/**
 * Waits until every client got a `fence` sent after the sends under test: a connection keeps
 * order, so what a client has not received by then it will not receive (no sleep needed).
 */
async function fence(server: StelarServer, clients: StelarClient[]): Promise<void> {
  const seen = clients.map((c) => next(c, 'fence'));
  server.broadcast('fence', 1);
  await Promise.all(seen);
}

describe.each(DOMAIN_MODES)('broadcast builder over %s', (mode) => {
  it('to(room).emit, to(rooms) and .to().to() unions reach each member once', async () => {
    const server = await kit.server();
    const [a, b, c, d] = [await kit.connect(server, mode), await kit.connect(server, mode), await kit.connect(server, mode), await kit.connect(server, mode)];
    await a.joinRoom('r1');
    await b.joinRoom('r1');
    await b.joinRoom('r2');
    await c.joinRoom('r2');
    const got = [a, b, c, d].map((x) => collect(x, 'm'));
    server.to('r1').emit('m', 1);
    server.to(['r1', 'r2']).emit('m', 2);
    server.to('r2').to('r1').emit('m', 3);
    server.to([]).emit('m', 4); // nobody
    await fence(server, [a, b, c, d]);
    expect(got).toEqual([[1, 2, 3], [1, 2, 3], [2, 3], []]);
  });

  it('except skips client ids and members of rooms; a kept builder is reusable', async () => {
    const server = await kit.server();
    const [a, b, c] = [await kit.connect(server, mode), await kit.connect(server, mode), await kit.connect(server, mode)];
    await a.joinRoom('lobby');
    await b.joinRoom('lobby');
    await b.joinRoom('muted');
    await c.joinRoom('lobby');
    const got = [a, b, c].map((x) => collect(x, 'm'));
    const lobby = server.to('lobby');
    lobby.except('muted').emit('m', 'no-muted');
    lobby.except(a.getId()!).emit('m', 'no-a');
    lobby.emit('m', 'all');
    server.except([a.getId()!, 'muted']).emit('m', 'everyone-but');
    await fence(server, [a, b, c]);
    expect(got).toEqual([
      ['no-muted', 'all'],
      ['no-a', 'all'],
      ['no-muted', 'no-a', 'all', 'everyone-but'],
    ]);
  });

  it('carries binary data as a binary message, and onBeforeBroadcast sees the plan, vetoes or replaces data', async () => {
    const plans: unknown[] = [];
    const server = await kit.server({
      hooks: {
        onBeforeBroadcast: (i) => {
          if (i.event === 'fence') return undefined;
          plans.push({ event: i.event, rooms: i.rooms, except: i.except });
          if (i.event === 'blocked') return false;
          if (i.event === 'redact') i.data = { text: '***' };
          return undefined;
        },
      },
    });
    const a = await kit.connect(server, mode);
    await a.joinRoom('r');
    const bin = next<Buffer>(a, 'bin');
    const blocked = collect(a, 'blocked');
    const redacted = next(a, 'redact');
    server.to('r').emit('bin', Buffer.from([1, 2, 3]));
    server.to('r').except('x').emit('blocked', 1);
    server.volatile.emit('redact', { text: 'secret' });
    expect(Buffer.from(await bin)).toEqual(Buffer.from([1, 2, 3]));
    expect(await redacted).toEqual({ text: '***' });
    await fence(server, [a]);
    expect(blocked).toEqual([]);
    expect(plans).toEqual([
      { event: 'bin', rooms: ['r'], except: [] },
      { event: 'blocked', rooms: ['r'], except: ['x'] },
      { event: 'redact', rooms: [], except: [] },
    ]);
  });

  it('volatile and local on one node reach the same clients as a plain emit; the seed methods are unchanged', async () => {
    const server = await kit.server();
    const [a, b] = [await kit.connect(server, mode), await kit.connect(server, mode)];
    await a.joinRoom('r');
    const got = [a, b].map((x) => collect(x, 'm'));
    server.volatile.to('r').emit('m', 'v');
    server.local.emit('m', 'l');
    server.to('r').local.volatile.emit('m', 'lv');
    server.to('r', 'm', 'seed-to');
    server.to('r', 'm', 'seed-to-excl', a.getId()!);
    server.broadcast('m', 'seed-all', b.getId()!);
    await fence(server, [a, b]);
    expect(got).toEqual([['v', 'l', 'lv', 'seed-to', 'seed-all'], ['l']]);
  });
});
