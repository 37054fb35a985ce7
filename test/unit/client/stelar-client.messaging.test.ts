import { MessageType, type StelarMessage } from '../../../src/domain/message';
import { StelarErrorCode } from '../../../src/domain/errors';
import type { StelarClientOptions } from '../../../src/application/client/client-options';
import { flush, harness } from './client-harness';

function connected(options: StelarClientOptions = {}) {
  const h = harness(options);
  h.client.connect();
  h.ws.last.accept('me');
  return { ...h, t: h.ws.last };
}

describe('StelarClient messaging', () => {
  it('emit sends an Event and counts it; reserved and invalid names throw synchronously', () => {
    const { client, t } = connected();
    expect(client.emit('chat', { text: 'hi' })).toBe(true);
    expect(t.userSent).toEqual([{ type: MessageType.Event, event: 'chat', data: { text: 'hi' } }]);
    expect(client.getMessagesSent()).toBe(1);
    expect(() => client.emit('connect', 1)).toThrow(expect.objectContaining({ name: 'TypeError', code: StelarErrorCode.ReservedEventName }));
    expect(() => client.emit('', 1)).toThrow(TypeError);
    expect(() => client.emit('a\0b', 1)).toThrow(TypeError);
    expect(() => client.emit('é'.repeat(128), 1)).toThrow(/255 bytes/);
    expect(client.getMessagesSent()).toBe(1);
    client.disconnect();
  });

  it('onBeforeEmit returning false cancels; other return values do not', () => {
    const { client, t } = connected({ hooks: { onBeforeEmit: ({ event }: { event: string }) => (event === 'debug' ? false : undefined) } });
    expect(client.emit('debug', 1)).toBe(false);
    expect(client.emit('info', 1)).toBe(true);
    expect(t.userSent.map((m) => (m as { event: string }).event)).toEqual(['info']);
    client.disconnect();
  });

  it('queues while not connected, drops the oldest beyond messageQueueSize and flushes in order', () => {
    const queued: unknown[] = [];
    const drained: unknown[] = [];
    const { client, ws } = harness({
      messageQueueSize: 3,
      hooks: { onMessageQueued: (i) => queued.push(i), onQueueDrained: (i) => drained.push(i) },
    });
    for (let i = 1; i <= 5; i++) client.emit('n', i);
    expect(client.getQueueSize()).toBe(3);
    expect(queued).toEqual([1, 2, 3, 3, 3].map((queueSize) => ({ event: 'n', queueSize })));
    client.connect();
    expect(client.getQueueSize()).toBe(3); // not before the session is up
    ws.last.accept();
    expect(ws.last.userSent.map((m) => (m as { data: number }).data)).toEqual([3, 4, 5]);
    expect(drained).toEqual([{ count: 3 }]);
    expect(client.getQueueSize()).toBe(0);
    client.disconnect();
  });

  it('queued messages are flushed before the connect event handlers run', () => {
    const { client, ws } = harness();
    client.emit('early', 1);
    client.on('connect', () => client.emit('inHandler', 2));
    client.connect();
    ws.last.accept();
    expect(ws.last.userSent.map((m) => (m as { event: string }).event)).toEqual(['early', 'inHandler']);
    client.disconnect();
  });

  it('messages emitted during a reconnection wait go out after the reconnect', () => {
    const { client, clock, t, ws } = connected();
    t.drop();
    client.emit('offline', 1);
    clock.advance(500);
    ws.last.accept();
    expect(ws.last.userSent).toEqual([{ type: MessageType.Event, event: 'offline', data: 1 }]);
    client.disconnect();
  });

  it('delivers events to on/once/onAll listeners and the onMessage hook, and counts them', () => {
    const seen: unknown[] = [];
    const { client, t } = connected({ hooks: { onMessage: (i) => seen.push(['hook', i]) } });
    client.on('chat', (d) => seen.push(['on', d]));
    client.once('chat', (d) => seen.push(['once', d]));
    client.onAll((m) => seen.push(['all', m]));
    t.push({ type: MessageType.Event, event: 'chat', data: 1 });
    t.push({ type: MessageType.Event, event: 'chat', data: 2 });
    expect(seen).toEqual([
      ['hook', { event: 'chat', data: 1, isBinary: false }],
      ['on', 1],
      ['once', 1],
      ['all', { event: 'chat', data: 1, isBinary: false }],
      ['hook', { event: 'chat', data: 2, isBinary: false }],
      ['on', 2],
      ['all', { event: 'chat', data: 2, isBinary: false }],
    ]);
    expect(client.getMessagesReceived()).toBe(2);
    client.removeAllListeners();
    t.push({ type: MessageType.Event, event: 'chat', data: 3 });
    expect(seen).toHaveLength(8); // only the hook
    client.disconnect();
  });

  it('off removes a listener; removeAllListeners(event) only that event', () => {
    const { client, t } = connected();
    const a = jest.fn();
    const b = jest.fn();
    client.on('a', a).on('b', b).off('a', a);
    t.push({ type: MessageType.Event, event: 'a', data: 0 });
    client.removeAllListeners('b');
    t.push({ type: MessageType.Event, event: 'b', data: 0 });
    expect(a).not.toHaveBeenCalled();
    expect(b).not.toHaveBeenCalled();
    client.disconnect();
  });

  it('a throwing listener is reported as an error and does not stop the others', () => {
    const { client, t, events } = connected();
    const ok = jest.fn();
    client.on('x', () => {
      throw new Error('listener bug');
    });
    client.on('x', ok);
    t.push({ type: MessageType.Event, event: 'x', data: 1 });
    expect(ok).toHaveBeenCalledWith(1, undefined);
    expect(events.find((e) => e[0] === 'error')?.[1]).toEqual(new Error('listener bug'));
    client.disconnect();
  });

  it('request() correlates concurrent answers by id', async () => {
    const { client, t } = connected();
    const p1 = client.request('getUser', { id: 1 }, 'getUser');
    const p2 = client.request('getUser', { id: 2 }, 'getUser');
    const [r1, r2] = t.userSent as Extract<StelarMessage, { type: 4 }>[];
    expect(r1).toMatchObject({ type: MessageType.AckRequest, event: 'getUser', ack: 'getUser', data: { id: 1 } });
    expect(r1.id).not.toBe(r2.id);
    t.push({ type: MessageType.AckResponse, ack: 'getUser', id: r2.id, data: 'two' });
    t.push({ type: MessageType.AckResponse, ack: 'getUser', id: r1.id, data: 'one' });
    await expect(Promise.all([p1, p2])).resolves.toEqual(['one', 'two']);
    client.disconnect();
  });

  it('request() rejects with the server error message, on timeout, and on connection loss', async () => {
    const { client, clock, t } = connected({ ackTimeout: 1000 });
    const bad = client.request('op', 1);
    const slow = client.request('op', 2);
    const lost = client.request('op', 3);
    const ids = t.userSent.map((m) => (m as { id: number }).id);
    t.push({ type: MessageType.AckResponse, ack: 'op', id: ids[0], error: 'not allowed' });
    await expect(bad).rejects.toThrow('not allowed');
    clock.advance(999);
    t.push({ type: MessageType.AckResponse, ack: 'op', id: ids[2], data: 'fine' });
    await expect(lost).resolves.toBe('fine');
    clock.advance(1);
    await expect(slow).rejects.toMatchObject({ code: StelarErrorCode.AckTimeout });
    // a late answer is ignored
    t.push({ type: MessageType.AckResponse, ack: 'op', id: ids[1], data: 'late' });
    const again = client.request('op', 4);
    t.drop(1006, 'net');
    await expect(again).rejects.toMatchObject({ code: StelarErrorCode.Disconnected });
    client.disconnect();
  });

  it('request() made before connecting waits in the queue and still times out (never hangs)', async () => {
    const { client, clock, ws } = harness({ ackTimeout: 1000 });
    const early = client.request('op', 1);
    client.connect();
    ws.last.drop(); // a failed dial does not reject queued requests
    clock.advance(500);
    ws.last.accept();
    const req = ws.last.userSent[0] as { id: number };
    ws.last.push({ type: MessageType.AckResponse, ack: 'op', id: req.id, data: 'ok' });
    await expect(early).resolves.toBe('ok');
    const stuck = client.request('op', 2);
    ws.last.drop();
    const stuck2 = client.request('op', 3);
    clock.advance(1000);
    await expect(stuck).rejects.toMatchObject({ code: StelarErrorCode.Disconnected });
    await expect(stuck2).rejects.toMatchObject({ code: StelarErrorCode.AckTimeout });
    client.disconnect();
  });

  it('a request dropped from the full queue rejects at once', async () => {
    const { client } = harness({ messageQueueSize: 1 });
    const first = client.request('a', 1);
    client.emit('b', 2);
    await expect(first).rejects.toMatchObject({ code: StelarErrorCode.Disconnected, message: expect.stringMatching(/dropped/) });
    client.disconnect();
  });

  it('emit with { ack } delivers the answer as event `ack` and to onAck listeners', () => {
    const { client, t } = connected();
    const got: unknown[] = [];
    client.on('userData', (d) => got.push(['on', d]));
    client.onAck('userData', (d) => got.push(['onAck', d]));
    client.emit('getUser', { id: 1 }, { ack: 'userData' });
    const req = t.userSent[0] as { id: number; ack: string };
    expect(req.ack).toBe('userData');
    t.push({ type: MessageType.AckResponse, ack: 'userData', id: req.id, data: { name: 'John' } });
    t.push({ type: MessageType.AckResponse, ack: 'userData', id: req.id, data: 'dup' }); // ignored
    expect(got).toEqual([
      ['on', { name: 'John' }],
      ['onAck', { name: 'John' }],
    ]);
    client.disconnect();
  });

  it('an unsolicited ack push (no id) goes to onAck listeners only (and the onMessage hook)', () => {
    const hooked: unknown[] = [];
    const { client, t } = connected({ hooks: { onMessage: (i) => hooked.push(i) } });
    const onAck = jest.fn();
    const on = jest.fn();
    client.onAck('serverPush', onAck);
    client.on('serverPush', on);
    t.push({ type: MessageType.AckResponse, ack: 'serverPush', data: 7 });
    expect(onAck).toHaveBeenCalledWith(7, undefined);
    expect(on).not.toHaveBeenCalled();
    expect(hooked).toEqual([{ event: 'serverPush', data: 7, isBinary: false }]);
    client.disconnect();
  });

  it('joinRoom sends a correlated join, resolves true on ok and false + error on refusal', async () => {
    const { client, t, events } = connected();
    const ok = client.joinRoom('general');
    const no = client.joinRoom('vip');
    const [j1, j2] = t.userSent as { id: number; room: string }[];
    expect(j1).toMatchObject({ type: MessageType.JoinRoom, room: 'general' });
    t.push({ type: MessageType.JoinRoom, room: 'general', id: j1.id, ok: true });
    t.push({ type: MessageType.JoinRoom, room: 'vip', id: j2.id, ok: false, reason: 'max rooms' });
    await expect(ok).resolves.toBe(true);
    await expect(no).resolves.toBe(false);
    expect(String(events.find((e) => e[0] === 'error')?.[1])).toMatch(/cannot join room "vip": max rooms/);
    client.disconnect();
  });

  it('rooms are rejoined after a reconnect, except refused or left ones', () => {
    const { client, clock, t, ws } = connected();
    client.joinRoom('a');
    client.joinRoom('b');
    client.joinRoom('c');
    const [, jb] = t.userSent as { id: number }[];
    t.push({ type: MessageType.JoinRoom, room: 'b', id: jb.id, ok: false, reason: 'no' });
    client.leaveRoom('c');
    expect(t.userSent.at(-1)).toMatchObject({ type: MessageType.LeaveRoom, room: 'c' });
    t.drop();
    clock.advance(500);
    ws.last.accept();
    expect(ws.last.userSent.map((m) => [m.type, (m as { room: string }).room])).toEqual([[MessageType.JoinRoom, 'a']]);
    client.disconnect();
  });

  it('joinRoom while offline is queued (fire-and-forget works); leaveRoom offline cancels it', async () => {
    const { client, ws } = harness();
    client.joinRoom('x');
    const y = client.joinRoom('y');
    const left = client.leaveRoom('y');
    await expect(y).resolves.toBe(false);
    await expect(left).resolves.toBe(true);
    client.connect();
    ws.last.accept();
    expect(ws.last.userSent.map((m) => (m as { room: string }).room)).toEqual(['x']);
    client.disconnect();
  });

  it('emitBinary sends bytes; inbound binary reaches listeners with its metadata', () => {
    const seen: unknown[] = [];
    const { client, t } = connected({ hooks: { onMessage: (i) => seen.push(i.isBinary) } });
    client.emitBinary('file', new Uint8Array([1, 2, 3]));
    client.emitBinary('buf', new Uint16Array([0x0102]).buffer);
    expect(t.userSent[0]).toEqual({ type: MessageType.Binary, event: 'file', bytes: new Uint8Array([1, 2, 3]) });
    expect((t.userSent[1] as { bytes: Uint8Array }).bytes).toHaveLength(2);
    expect(() => client.emitBinary('x', 'text' as never)).toThrow(TypeError);
    let got: unknown[] = [];
    client.on('pic', (bytes, meta) => (got = [bytes, meta]));
    t.push({ type: MessageType.Binary, event: 'pic', bytes: new Uint8Array([9]), meta: { name: 'a.png', type: 'image/png' } });
    expect(got).toEqual([new Uint8Array([9]), { name: 'a.png', type: 'image/png' }]);
    expect(seen).toEqual([true]);
    client.disconnect();
  });

  it('sendFile/sendImage send bytes with { name, type, size } from a Uint8Array or a Blob', async () => {
    const { client, t } = connected();
    await client.sendFile(new Uint8Array([1, 2]), { name: 'a.bin' });
    await client.sendImage(new Blob([new Uint8Array([7, 7, 7])], { type: 'image/png' }));
    const file = new File([new Uint8Array([5])], 'doc.txt', { type: 'text/plain' });
    await client.sendFile(file, { event: 'upload' });
    expect(t.userSent).toEqual([
      { type: MessageType.Binary, event: 'file', bytes: new Uint8Array([1, 2]), meta: { name: 'a.bin', type: 'application/octet-stream', size: 2 } },
      { type: MessageType.Binary, event: 'image', bytes: new Uint8Array([7, 7, 7]), meta: { name: 'image', type: 'image/png', size: 3 } },
      { type: MessageType.Binary, event: 'upload', bytes: new Uint8Array([5]), meta: { name: 'doc.txt', type: 'text/plain', size: 1 } },
    ]);
    client.disconnect();
  });

  it('refuses a message larger than maxPayloadSize or the server limit', () => {
    const { client, t } = connected({ maxPayloadSize: 100 });
    expect(() => client.emit('big', 'x'.repeat(200))).toThrow(RangeError);
    t.push({ type: MessageType.Connect, clientId: 'ignored', maxPayloadSize: 10, heartbeatInterval: 1 });
    expect(t.userSent).toEqual([]);
    client.disconnect();
  });

  it('server Error messages and undecodable bodies become error events; the connection stays', () => {
    const { client, t, events } = connected();
    t.push({ type: MessageType.Error, code: StelarErrorCode.RateLimited, message: 'slow down' });
    t.pushRaw(new TextEncoder().encode('{nope'));
    const errors = events.filter((e) => e[0] === 'error').map((e) => e[1]);
    expect(errors[0]).toMatchObject({ code: StelarErrorCode.RateLimited, message: 'slow down' });
    expect(errors[1]).toMatchObject({ code: StelarErrorCode.InvalidJson });
    expect(client.getLastError()).toBe(errors[1]);
    expect(client.isConnected()).toBe(true);
    client.disconnect();
  });

  it('onError hook receives errors with a context', () => {
    const got: unknown[] = [];
    const { client, t } = connected({ hooks: { onError: ({ error, context }) => got.push([error.message, context]) } });
    t.push({ type: MessageType.Error, code: 'STELAR_ERR_X', message: 'm' });
    expect(got).toEqual([['m', 'server']]);
    client.disconnect();
  });

  it('updateOptions applies heartbeat, ackTimeout and queue size at once and merges hooks', async () => {
    const a = jest.fn();
    const b = jest.fn();
    const { client, clock, t } = connected({ heartbeatInterval: 1000, hooks: { onMessage: a } });
    client.updateOptions({ heartbeatInterval: 100, ackTimeout: 50, hooks: { onBeforeEmit: b } });
    clock.advance(100);
    expect(t.sent.filter((m) => m.type === MessageType.Ping)).toHaveLength(1);
    t.push({ type: MessageType.Pong });
    const r = client.request('x');
    clock.advance(50);
    await expect(r).rejects.toMatchObject({ code: StelarErrorCode.AckTimeout });
    expect(b).toHaveBeenCalled();
    t.push({ type: MessageType.Event, event: 'e', data: 1 });
    expect(a).toHaveBeenCalled();
    const opts = client.getOptions();
    expect(opts).toMatchObject({ heartbeatInterval: 100, ackTimeout: 50, reconnection: true, messageQueueSize: 100 });
    opts.hooks.onMessage = undefined; // a copy: does not change the client
    expect(client.getOptions().hooks.onMessage).toBe(a);
    expect(() => client.updateOptions({ ackTimeout: -1 })).toThrow(RangeError);
    client.disconnect();
  });

  it('shrinking messageQueueSize drops the oldest queued messages', () => {
    const { client } = harness();
    for (let i = 0; i < 5; i++) client.emit('n', i);
    client.updateOptions({ messageQueueSize: 2 });
    expect(client.getQueueSize()).toBe(2);
  });

  it('encodes each message once', async () => {
    const { client, ws } = harness();
    client.connect();
    ws.last.accept();
    const before = ws.codec.encodes;
    client.emit('a', 1);
    expect(ws.codec.encodes - before).toBe(1);
    await flush();
    client.disconnect();
  });
});
