import { ServerKit, DOMAIN_MODES, next, until, sleep } from '../../helpers/server-kit';

const kit = new ServerKit();
afterEach(() => kit.teardown());

describe.each(DOMAIN_MODES)('acks over %s', (mode) => {
  it('answers request() with the onAck return value, or its resolved Promise', async () => {
    const server = await kit.server();
    server.onConnection((ctx) => ctx.setMetadata('role', 'user'));
    server.onAck('getUser', (ctx) => ({ id: ctx.data.id, name: 'John', role: ctx.getMetadata('role') }));
    server.onAck('slow', async (ctx) => {
      await sleep(20);
      return ctx.data * 2;
    });
    const c = await kit.connect(server, mode);
    expect(await c.request('getUser', { id: 1 }, 'getUser')).toEqual({ id: 1, name: 'John', role: 'user' });
    expect(await c.request('slow', 21, 'slow')).toBe(42);
  });

  it('rejects request() with the handler error message (no stack) on throw or rejection', async () => {
    const server = await kit.server();
    server.onAck('validateToken', () => {
      throw new Error('Invalid token');
    });
    server.onAck('asyncFail', async () => Promise.reject(new Error('nope')));
    const c = await kit.connect(server, mode);
    const err = await c.request('validateToken', { token: 'abc' }, 'validateToken').catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('Invalid token');
    expect((err as Error).message).not.toMatch(/\bat\b.*\.ts/);
    await expect(c.request('asyncFail', null, 'asyncFail')).rejects.toThrow('nope');
    // The connection keeps working after an error answer.
    server.onAck('ok', () => 'fine');
    expect(await c.request('ok', null, 'ok')).toBe('fine');
  });

  it('never crosses concurrent requests to the same handler', async () => {
    const server = await kit.server();
    server.onAck('double', async (ctx) => {
      await sleep(Math.floor(Math.random() * 20));
      return ctx.data * 2;
    });
    const c = await kit.connect(server, mode);
    const inputs = Array.from({ length: 40 }, (_, i) => i);
    const results = await Promise.all(inputs.map((i) => c.request('double', i, 'double')));
    expect(results).toEqual(inputs.map((i) => i * 2));
  });

  it('rejects a request nobody handles instead of hanging', async () => {
    const server = await kit.server();
    const c = await kit.connect(server, mode);
    await expect(c.request('missing', 1, 'missing')).rejects.toThrow(/missing/);
  });

  it('lets on() handlers answer through ctx.ack (and ctx.send), with _correlationId set', async () => {
    const server = await kit.server();
    const ids: (string | undefined)[] = [];
    server.on('lookup', (ctx) => {
      ids.push(ctx._correlationId);
      ctx.ack('lookup', { found: ctx.data });
      ctx.ack('lookup', 'ignored second answer');
    });
    server.on('lookup2', (ctx) => ctx.send('lookup2', 'via send'));
    const c = await kit.connect(server, mode);
    expect(await c.request('lookup', 'k', 'lookup')).toEqual({ found: 'k' });
    expect(await c.request('lookup2', null, 'lookup2')).toBe('via send');
    expect(ids).toHaveLength(1);
    expect(ids[0]).toMatch(/^\d+$/);
  });

  it('emit(event, data, { ack }) delivers the answer as event `ack`', async () => {
    const server = await kit.server();
    server.onAck('sum', (ctx) => (ctx.data as number[]).reduce((a, b) => a + b, 0));
    const c = await kit.connect(server, mode);
    const answer = next<number>(c, 'sumResult');
    c.emit('sum', [1, 2, 3], { ack: 'sumResult' });
    expect(await answer).toBe(6);
  });

  it('ctx.ack outside a request pushes to the client onAck(name) listeners', async () => {
    const server = await kit.server();
    server.on('subscribe', (ctx) => ctx.ack('ticker', { price: 42 }));
    const c = await kit.connect(server, mode);
    const pushes: unknown[] = [];
    c.onAck('ticker', (d) => pushes.push(d));
    c.emit('subscribe', null);
    await until(() => pushes.length === 1);
    expect(pushes).toEqual([{ price: 42 }]);
  });

  it('rejects pending requests when the connection drops, and on ackTimeout', async () => {
    const server = await kit.server();
    server.onAck('never', () => new Promise(() => undefined));
    const c = await kit.connect(server, mode, { ackTimeout: 150 });
    await expect(c.request('never', null, 'never')).rejects.toThrow(/time/i);
    const pending = c.request('never', null, 'never').catch((e: Error) => e);
    await sleep(10);
    await server.stop();
    const err = await pending;
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/connection lost/);
  });
});
