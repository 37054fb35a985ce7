import WebSocket from 'ws';
import { BaseStelarClient, type StelarClientDeps } from '../../../src/application/client/stelar-client';
import { BrowserWsClientTransportFactory } from '../../../src/adapters/browser/browser-ws-client-transport';
import { WsJsonCodec } from '../../../src/adapters/codec/ws-json.codec';
import { SystemClock } from '../../../src/adapters/memory/system-clock.adapter';
import type { StelarServer } from '../../../src';
import { ServerKit, collect, until } from '../../helpers/server-kit';
import { RecoveryKit, dropAndReturn } from './recovery-e2e.kit';

// Session recovery through the browser build's transport (no handshake headers: the URL says
// `stelar_session=new|hello`, the offer goes in the first message), driven in Node by the `ws`
// package standing in for the DOM WebSocket, over ws:// and wss://, the drop made by a proxy
// that resets both directions. The same transport in real Chromium: recovery-browser.chromium.test.ts.

/** The DOM WebSocket's constructor shape: (url) only; a test certificate is trusted. */
function domLikeWebSocket(ca: string | undefined): new (url: string) => WebSocket {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, ca === undefined ? {} : { ca });
    }
  };
}

function browserDeps(ca: string | undefined): StelarClientDeps {
  return {
    transports: { ws: new BrowserWsClientTransportFactory(domLikeWebSocket(ca) as never) },
    codecs: { ws: new WsJsonCodec() },
    modes: ['ws'],
    clock: new SystemClock(),
  };
}

describe.each([false, true])('session recovery over the browser transport (tls=%s)', (tls) => {
  const kit = new RecoveryKit({ mode: 'ws', tls });
  afterEach(() => kit.teardown());

  async function setup(recovery: unknown) {
    const urls: string[] = [];
    const offerHeaders: unknown[] = [];
    const rig = await kit.setup(recovery, {
      server: (server) =>
        server.use((ctx, next) => {
          urls.push(ctx.req?.url ?? '');
          offerHeaders.push(ctx.headers['x-stelar-session']);
          next();
        }),
      makeClient: (url, options, ca) => new BaseStelarClient(url, options, browserDeps(ca)),
    });
    return { ...rig, urls, offerHeaders };
  }

  it('a dropped browser-build client resumes: same id and rooms, every missed message once and in order; the token is in no URL and no header', async () => {
    const s = await setup({ windowMs: 10000 });
    const { server, client, connects } = s;
    const got = collect<number>(client as never, 'n');
    expect(await client.joinRoom('r')).toBe(true);
    server.to('r', 'n', 1);
    await until(() => got.length === 1, 3000, 'message 1');
    const id = client.getId()!;
    await dropAndReturn(s, id, () => {
      for (let i = 2; i <= 5; i++) server.to('r', 'n', i);
      server.toId(id, 'n', 6);
    });
    expect(connects).toEqual([{ recovered: false }, { recovered: true }]);
    expect(client.isRecovered()).toBe(true);
    expect(client.getId()).toBe(id);
    server.to('r', 'n', 7);
    await until(() => got.length >= 7, 3000, 'message 7');
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(server.getRoomMembers('r')).toEqual([id]);
    // The first dial asked for a session in the URL, the second announced its hello there.
    expect(s.urls).toEqual(['/?stelar_session=new', '/?stelar_session=hello']);
    expect(s.offerHeaders).toEqual([undefined, undefined]);
  });

  it("recovery off on the server: the hello is harmless, the reconnect says 'disabled' and rejoins", async () => {
    const s = await setup(false);
    const { server, client, connects } = s;
    expect(await client.joinRoom('r')).toBe(true);
    const id = client.getId()!;
    await dropAndReturn(s, id);
    expect(connects[1]).toEqual({ recovered: false, reason: 'disabled' });
    expect(client.getId()).not.toBe(id);
    await until(() => server.getRoomMembers('r').length === 1, 3000, 'rejoin');
    expect(server.getRoomMembers('r')).toEqual([client.getId()]);
  });

  it("a forged token in the hello gets 'unknown' and a new session", async () => {
    const s = await setup(true);
    const { server, client, connects } = s;
    const id = client.getId()!;
    // The session the server knows ends (server.disconnect of a client that is away).
    let wasConnected: boolean | undefined;
    await dropAndReturn(s, id, () => {
      wasConnected = server.disconnect(id);
    });
    expect(wasConnected).toBe(false);
    expect(connects[1]).toEqual({ recovered: false, reason: 'unknown' });
  });
});

describe('the hello a browser announces', () => {
  const kit = new ServerKit();
  afterEach(() => kit.teardown());

  function rawDial(server: StelarServer, query: string): { ws: WebSocket; messages: string[]; closed: Promise<{ code: number; at: number }> } {
    const ws = new WebSocket(`ws://127.0.0.1:${server.getPort()}/${query}`);
    const messages: string[] = [];
    ws.on('message', (d) => messages.push(String(d)));
    ws.on('error', () => {});
    const closed = new Promise<{ code: number; at: number }>((resolve) => ws.on('close', (code) => resolve({ code, at: Date.now() })));
    return { ws, messages, closed };
  }

  it('is awaited at most connectTimeout: a client that never sends it is refused (1008), middleware never ran', async () => {
    const server = await kit.server({ recovery: true, connectTimeout: 300 } as never);
    let middleware = 0;
    server.use((_ctx, next) => {
      middleware++;
      next();
    });
    const started = Date.now();
    const { closed, messages } = rawDial(server, '?stelar_session=hello');
    const { code, at } = await closed;
    expect(code).toBe(1008);
    expect(at - started).toBeGreaterThanOrEqual(250);
    expect(messages.map((m) => JSON.parse(m))).toEqual([{ t: 10, code: 'STELAR_ERR_CONNECT_TIMEOUT', message: 'no Connect hello within connectTimeout' }]);
    expect(middleware).toBe(0);
    await until(() => server.getStats().activeConnections === 0, 3000, 'nothing left');
  });

  it('messages before the hello are dropped; the hello then admits; a malformed offer is a new client without a session', async () => {
    const server = await kit.server({ recovery: true } as never);
    const invalid: string[] = [];
    server.updateConfig({ hooks: { onInvalidMessage: (i: { reason: string }) => invalid.push(i.reason) } } as never);
    const { ws, messages } = rawDial(server, '?stelar_session=hello');
    await new Promise((r) => ws.once('open', r));
    ws.send('{"t":0,"e":"early"}');
    ws.send(JSON.stringify({ t: 6, v: 1, session: '{not json' }));
    await until(() => messages.length === 1, 3000, 'Connect');
    const connect = JSON.parse(messages[0]);
    expect(connect.t).toBe(6);
    expect(connect.session).toBeUndefined();
    expect(invalid).toEqual(['message before the connection was admitted']);
    ws.close();
  });

  it('without recovery the server does not wait: Connect comes at once, without a session', async () => {
    const server = await kit.server({ recovery: false } as never);
    const { ws, messages } = rawDial(server, '?stelar_session=hello');
    await until(() => messages.length === 1, 3000, 'Connect');
    expect(JSON.parse(messages[0]).session).toBeUndefined();
    ws.close();
  });
});
