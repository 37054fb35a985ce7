import { MessageType } from '../../../src/domain/message';
import { StelarErrorCode } from '../../../src/domain/errors';
import { flush, harness } from './client-harness';

describe('StelarClient connection lifecycle', () => {
  it('fires connect only after the server Connect message, with getId() known inside', () => {
    const { client, ws, events } = harness();
    const states: string[] = [];
    client.updateOptions({ hooks: { onStateChange: ({ from, to }) => states.push(`${from}>${to}`) } });
    let idInHandler: string | null = 'unset';
    client.on('connect', () => (idInHandler = client.getId()));
    const cb = jest.fn();
    client.connect(cb);
    expect(client.getState()).toBe('connecting');
    expect(ws.last.options.url).toBe('ws://localhost:3000');
    ws.last.open();
    expect(events).toEqual([]);
    expect(client.isConnected()).toBe(false);
    ws.last.push({ type: MessageType.Connect, clientId: 'abc', maxPayloadSize: 1000, heartbeatInterval: 1 });
    expect(idInHandler).toBe('abc');
    expect(cb).toHaveBeenCalledTimes(1);
    expect(client.isConnected()).toBe(true);
    expect(client.getConnectTime()).toBe(1_000_000);
    expect(states).toEqual(['disconnected>connecting', 'connecting>connected']);
    client.disconnect();
  });

  it('connect(cb) when already connected calls back asynchronously; a second connect() does not redial', async () => {
    const { client, ws } = harness();
    client.connect();
    ws.last.accept();
    const cb = jest.fn();
    client.connect(cb);
    expect(ws.dials).toHaveLength(1);
    await Promise.resolve();
    expect(cb).toHaveBeenCalledTimes(1);
    client.disconnect();
  });

  it('reconnects with anchored full-jitter backoff numbered from 1 and emits disconnect/reconnecting', () => {
    const { client, clock, ws, events } = harness({ reconnectionDelay: 1000, maxReconnectionDelay: 3000 });
    client.connect();
    ws.last.accept();
    ws.last.drop(1006, 'gone');
    expect(client.getState()).toBe('reconnecting');
    expect(client.getId()).toBeNull();
    expect(events).toEqual([['connect', { recovered: false }], ['disconnect', { code: 1006, reason: 'gone' }], ['reconnecting', 1]]);
    // random() = 0.5, windows anchored on the drop: [0, 1), [1, 3), [3, 6), [6, 9) s (capped at
    // 3 s wide): attempts at 0.5, 2, 4.5, 7.5 s, i.e. delays 500, 1500, 2500, 3000 after
    // failures that are instant.
    clock.advance(499);
    expect(ws.dials).toHaveLength(1);
    clock.advance(1);
    expect(ws.dials).toHaveLength(2);
    ws.last.drop();
    expect(events.at(-1)).toEqual(['reconnecting', 2]);
    clock.advance(1499);
    expect(ws.dials).toHaveLength(2);
    clock.advance(1);
    expect(ws.dials).toHaveLength(3);
    ws.last.drop();
    clock.advance(2499);
    expect(ws.dials).toHaveLength(3);
    clock.advance(1);
    expect(ws.dials).toHaveLength(4);
    ws.last.drop();
    clock.advance(3000);
    expect(ws.dials).toHaveLength(5);
    ws.last.accept('again');
    expect(client.getState()).toBe('connected');
    expect(client.getId()).toBe('again');
    expect(events.filter((e) => e[0] === 'disconnect')).toHaveLength(1); // failed dials are not disconnects
    client.disconnect();
  });

  it('attempts restart from 1 after a successful reconnection', () => {
    const { client, clock, ws, events } = harness();
    client.connect();
    ws.last.accept();
    ws.last.drop();
    clock.advance(500);
    ws.last.drop();
    clock.advance(1500); // attempt 2: window [1, 3) s after the first failure
    ws.last.accept();
    ws.last.drop();
    expect(events.filter((e) => e[0] === 'reconnecting')).toEqual([
      ['reconnecting', 1],
      ['reconnecting', 2],
      ['reconnecting', 1],
    ]);
    client.disconnect();
  });

  it('gives up with reconnect_failed after reconnectionAttempts and stays disconnected', () => {
    const { client, clock, ws, events } = harness({ reconnectionAttempts: 2 });
    client.connect();
    ws.last.accept();
    ws.last.drop();
    clock.advance(500);
    ws.last.drop();
    clock.advance(1500); // attempt 2: window [1, 3) s after the first failure
    ws.last.drop();
    expect(events.filter((e) => e[0] === 'reconnect_failed')).toHaveLength(1);
    expect(client.getState()).toBe('disconnected');
    expect(ws.dials).toHaveLength(3);
    clock.advance(600_000);
    expect(ws.dials).toHaveLength(3);
    expect(clock.pending).toBe(0);
  });

  it('a first connect() to a server that is not up keeps retrying', () => {
    const { client, clock, ws, events } = harness();
    client.connect();
    ws.last.drop(1006, 'ECONNREFUSED');
    expect(client.getState()).toBe('reconnecting');
    expect(events).toEqual([['reconnecting', 1]]);
    clock.advance(500);
    ws.last.drop(1006, 'ECONNREFUSED');
    clock.advance(1500); // attempt 2: window [1, 3) s after the first failure
    ws.last.accept();
    expect(client.isConnected()).toBe(true);
    client.disconnect();
  });

  it('a dial that throws synchronously is retried too', () => {
    const { client, clock, ws } = harness();
    ws.throwOnConnect = new Error('bad url');
    client.connect();
    expect(client.getState()).toBe('reconnecting');
    ws.throwOnConnect = null;
    clock.advance(500);
    ws.last.accept();
    expect(client.isConnected()).toBe(true);
    client.disconnect();
  });

  it('a transport that closes synchronously inside connect() is not kept as the current one', () => {
    const { client, clock, ws } = harness();
    ws.closeSynchronously = 1006;
    client.connect();
    expect(client.getState()).toBe('reconnecting');
    const dead = ws.last;
    client.emit('x', 1); // queued, not written to the dead transport
    expect(dead.sent).toEqual([]);
    expect(client.getQueueSize()).toBe(1);
    client.disconnect();
    expect(dead.closed).toBeNull(); // disconnect() does not touch the dead attempt
    clock.advance(60_000);
    expect(ws.dials).toHaveLength(1);
  });

  it('without reconnection a failed first connect ends disconnected with an error', () => {
    const { client, ws, events, clock } = harness({ reconnection: false });
    client.connect();
    ws.last.drop(1006, 'refused');
    expect(client.getState()).toBe('disconnected');
    expect(events).toHaveLength(1);
    expect(events[0][0]).toBe('error');
    expect(String(client.getLastError())).toMatch(/cannot connect to ws:\/\/localhost:3000/);
    expect(clock.pending).toBe(0);
  });

  it('without reconnection a failed connect rejects queued requests at once, not at ackTimeout', async () => {
    const { client, ws, clock } = harness({ reconnection: false, ackTimeout: 60_000 });
    const pending = client.request('getUser', { id: 1 });
    const join = client.joinRoom('lobby');
    client.emit('plain', 1);
    client.connect();
    ws.last.drop(1006, 'refused');
    // No clock advance: the rejection comes from the failed dial itself.
    await expect(pending).rejects.toMatchObject({ code: StelarErrorCode.Disconnected, message: expect.stringMatching(/cannot connect.*refused/) });
    await expect(join).resolves.toBe(false);
    expect(client.getQueueSize()).toBe(1); // the plain event stays queued for a later connect()
    expect(clock.pending).toBe(0); // no ack timers left behind
  });

  it('with reconnection a failed connect keeps queued requests for the next attempt', async () => {
    const { client, ws } = harness({ reconnection: true, ackTimeout: 60_000 });
    let settled = false;
    const pending = client.request('q', 1).finally(() => (settled = true));
    client.connect();
    ws.last.drop(1006, 'refused');
    await flush();
    expect(settled).toBe(false);
    client.disconnect();
    await expect(pending).rejects.toMatchObject({ code: StelarErrorCode.Disconnected });
  });

  it('disconnect() is final: closes with 1000, rejects pending requests, no timers left', async () => {
    const { client, clock, ws, events } = harness();
    client.connect();
    ws.last.accept();
    const pending = client.request('slow', {});
    const t = ws.last;
    client.disconnect();
    await expect(pending).rejects.toMatchObject({ code: StelarErrorCode.Disconnected });
    expect(t.closed).toEqual({ code: 1000, reason: 'client disconnect' });
    expect(events.at(-1)).toEqual(['disconnect', { code: 1000, reason: 'client disconnect' }]);
    expect(client.getState()).toBe('disconnected');
    t.drop(1000, 'late close'); // a late close from the old socket changes nothing
    clock.advance(600_000);
    expect(ws.dials).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('disconnect() while waiting to reconnect cancels the retry', () => {
    const { client, clock, ws } = harness();
    client.connect();
    ws.last.drop();
    client.disconnect();
    clock.advance(60_000);
    expect(ws.dials).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('a disconnect() inside a reconnecting listener wins', () => {
    const { client, clock, ws } = harness();
    client.on('reconnecting', () => client.disconnect());
    client.connect();
    ws.last.accept();
    ws.last.drop();
    expect(client.getState()).toBe('disconnected');
    clock.advance(60_000);
    expect(ws.dials).toHaveLength(1);
  });

  it('the disconnect event carries the code and reason of a server Disconnect message', () => {
    const { client, ws, events } = harness();
    client.connect();
    ws.last.accept();
    ws.last.push({ type: MessageType.Disconnect, code: 1001, reason: 'server stopping' });
    ws.last.drop(1006, '');
    expect(events).toContainEqual(['disconnect', { code: 1001, reason: 'server stopping' }]);
    client.disconnect();
  });

  it('pings every heartbeatInterval, answers server pings, and drops a silent server', () => {
    const { client, clock, ws, events } = harness({ heartbeatInterval: 1000 });
    client.connect();
    const t = ws.last.accept();
    t.push({ type: MessageType.Ping });
    expect(t.sent.filter((m) => m.type === MessageType.Pong)).toHaveLength(1);
    clock.advance(1000);
    expect(t.sent.filter((m) => m.type === MessageType.Ping)).toHaveLength(1);
    t.push({ type: MessageType.Pong });
    clock.advance(1000);
    expect(client.isConnected()).toBe(true);
    clock.advance(1000); // 2 intervals without anything from the server
    expect(client.getState()).toBe('reconnecting');
    expect(t.closed?.code).toBe(4000);
    expect(events.find((e) => e[0] === 'error')?.[1]).toMatchObject({ code: StelarErrorCode.HeartbeatTimeout });
    expect(events).toContainEqual(['disconnect', { code: 1006, reason: expect.stringMatching(/heartbeat timeout/) }]);
    client.disconnect();
  });

  it('abandons a dial that opens but never gets the Connect message', () => {
    const { client, clock, ws } = harness({ heartbeatInterval: 1000 });
    client.connect();
    // The transport is asked to bound its opening handshake by the same dial timeout.
    expect(ws.last.options.connectTimeout).toBe(2000);
    ws.last.open();
    clock.advance(2000);
    expect(ws.last.closed).not.toBeNull();
    expect(client.getState()).toBe('reconnecting');
    expect((client.getLastError() as { code?: string }).code).toBe(StelarErrorCode.ConnectTimeout);
    client.disconnect();
  });

  it('customReconnectDelay and the onReconnectDelay hook decide the wait', () => {
    const seen: unknown[] = [];
    const { client, clock, ws } = harness({
      customReconnectDelay: (attempt) => attempt * 100,
      hooks: {
        onReconnectDelay: (info) => {
          seen.push(info);
          return info.attempt === 2 ? 7 : undefined;
        },
      },
    });
    client.connect();
    ws.last.drop();
    clock.advance(99);
    expect(ws.dials).toHaveLength(1);
    clock.advance(1);
    expect(ws.dials).toHaveLength(2);
    ws.last.drop();
    clock.advance(7);
    expect(ws.dials).toHaveLength(3);
    expect(seen).toEqual([
      { attempt: 1, defaultDelay: 100 },
      { attempt: 2, defaultDelay: 200 },
    ]);
    client.disconnect();
  });

  it('TCP mode dials tcp://host:port and sends nothing before the server Connect', () => {
    const { client, tcp } = harness({ mode: 'tcp' }, 'example.org:3001');
    expect(client.getUrl()).toBe('tcp://example.org:3001');
    client.connect();
    tcp.last.open();
    client.emit('early', 1); // nothing before the server's answer (the transport sends the hello)
    tcp.last.push({ type: MessageType.Ping });
    expect(tcp.last.sent).toEqual([]); // the TCP transport answers Ping frames itself
    tcp.last.push({ type: MessageType.Connect, clientId: 't1', maxPayloadSize: 100, heartbeatInterval: 1 });
    expect(client.getId()).toBe('t1');
    expect(tcp.last.sent).toEqual([{ type: MessageType.Event, event: 'early', data: 1 }]);
    client.disconnect();
  });

  it('passes tls, rejectUnauthorized, headers and limits to the transport', () => {
    const tlsSettings = { ca: 'CA PEM', cert: ['CERT PEM'], key: new Uint8Array([1]), servername: 'api.example' };
    const { client, ws } = harness({ tls: true, rejectUnauthorized: false, headers: { 'x-token': 's' }, maxPayloadSize: 5, maxFrameSize: 6, ...tlsSettings }, 'h:1');
    client.connect();
    expect(ws.last.options).toEqual({ url: 'wss://h:1', tls: true, rejectUnauthorized: false, tlsSettings, headers: { 'x-token': 's', 'x-stelar-session': '{"v":1}' }, maxPayloadSize: 5, maxFrameSize: 6, connectTimeout: 20000, codec: ws.codec });
    // The codec is the client registry's, keyed by the mode (deps.codecs.ws), not a copy.
    expect(ws.last.options.codec).toBe(ws.codec);
    client.disconnect();
  });

  it('setUrl changes the target of the next dial', () => {
    const { client, ws } = harness();
    client.setUrl('ws://other:9/chat');
    expect(client.getUrl()).toBe('ws://other:9/chat');
    client.connect();
    expect(ws.last.options.url).toBe('ws://other:9/chat');
    client.disconnect();
  });

  it('reports a missing transport for the mode instead of crashing', () => {
    const { client, events } = harness();
    (client.deps.transports as { tcp?: unknown }).tcp = undefined;
    client.updateOptions({ mode: 'tcp' });
    client.connect();
    expect(client.getState()).toBe('disconnected');
    expect(String(events[0][1])).toMatch(/mode 'tcp' is not available/);
  });
});
