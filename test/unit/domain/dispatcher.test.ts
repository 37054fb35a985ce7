import { Dispatcher, MIDDLEWARE_ERROR, MIDDLEWARE_TIMEOUT, REJECTED_BY_MIDDLEWARE } from '../../../src/domain/dispatcher.service';
import type { HandlerContext } from '../../../src/domain/context.types';
import { FakeClock } from '../../fakes/fake-clock';
import { FakeLogger } from '../../fakes/fake-logger';

const flush = () => new Promise<void>((r) => setImmediate(r));

function setup() {
  const clock = new FakeClock();
  const log = new FakeLogger();
  const d = new Dispatcher<HandlerContext>(clock, log);
  return { clock, log, d, ctx: { id: 'c1' } as HandlerContext };
}

describe('Dispatcher handlers', () => {
  it('calls on(event) handlers in order, then onAll with { event, data: ctx }', () => {
    const { d, ctx } = setup();
    const seen: string[] = [];
    d.on('chat', () => void seen.push('h1'));
    d.on('chat', () => void seen.push('h2'));
    d.onAll(({ event, data }) => void seen.push(`all:${event}:${data.id}`));
    expect(d.dispatch('chat', ctx)).toBe(2);
    expect(d.dispatch('other', ctx)).toBe(0);
    expect(seen).toEqual(['h1', 'h2', 'all:chat:c1', 'all:other:c1']);
  });

  it('a throwing or rejecting handler is logged and does not stop the others', async () => {
    const { d, ctx, log } = setup();
    const seen: string[] = [];
    d.on('e', () => {
      throw new Error('bad');
    });
    d.on('e', async () => {
      throw new Error('worse');
    });
    d.on('e', () => void seen.push('ok'));
    d.dispatch('e', ctx);
    await flush();
    expect(seen).toEqual(['ok']);
    // One structured line each, the Error itself in `err` (so pino keeps its stack).
    const errors = log.lines.filter((l) => l.level === 'error');
    expect(errors.map((l) => l.args[0])).toEqual(['handler for "e" threw', 'handler for "e" rejected']);
    expect(errors.map((l) => (l.fields?.err as Error).message)).toEqual(['bad', 'worse']);
    expect(errors.map((l) => l.fields?.event)).toEqual(['e', 'e']);
  });

  it('registration during dispatch does not affect the dispatch in progress; off removes', () => {
    const { d, ctx } = setup();
    let calls = 0;
    const h = () => {
      calls++;
      d.on('e', () => void calls++);
    };
    d.on('e', h);
    d.dispatch('e', ctx);
    expect(calls).toBe(1);
    d.off('e', h);
    d.dispatch('e', ctx);
    expect(calls).toBe(2);
    d.off('e');
    expect(d.hasHandlers('e')).toBe(false);
  });

  it('onAck keeps one handler per name; onConnection/onDisconnect lists', () => {
    const { d, ctx } = setup();
    const a = () => 1;
    const b = () => 2;
    d.onAck('get', a);
    d.onAck('get', b);
    expect(d.getAck('get')).toBe(b);
    const seen: string[] = [];
    d.onConnection(() => void seen.push('conn'));
    d.onDisconnect(() => void seen.push('disc'));
    d.dispatchConnection(ctx);
    d.dispatchDisconnect(ctx);
    expect(seen).toEqual(['conn', 'disc']);
    expect(() => d.on('', a)).toThrow(TypeError);
    expect(() => d.use(5 as never)).toThrow(TypeError);
  });
});

describe('Dispatcher middleware', () => {
  it('admits with no middleware, and when every middleware calls next in order', async () => {
    const { d, ctx } = setup();
    await expect(d.runMiddleware(ctx)).resolves.toEqual({ ok: true });
    const order: number[] = [];
    d.use((_c, next) => (order.push(1), next()));
    d.use(async (_c, next) => {
      await Promise.resolve();
      order.push(2);
      next();
    });
    d.use((_c, next) => (order.push(3), next()));
    await expect(d.runMiddleware(ctx)).resolves.toEqual({ ok: true });
    expect(order).toEqual([1, 2, 3]);
  });

  it('rejects when a sync middleware never calls next (by the next macrotask) and stops the chain', async () => {
    const { d, ctx, clock } = setup();
    let reached = false;
    d.use(() => {});
    d.use((_c, next) => ((reached = true), next()));
    const p = d.runMiddleware(ctx);
    clock.advance(0);
    await expect(p).resolves.toEqual({ ok: false, reason: REJECTED_BY_MIDDLEWARE });
    expect(reached).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it('accepts a sync middleware that calls next from a microtask before the macrotask', async () => {
    const { d, ctx, clock } = setup();
    d.use((_c, next) => {
      void Promise.resolve().then(next);
    });
    const p = d.runMiddleware(ctx);
    await Promise.resolve();
    clock.advance(0);
    await expect(p).resolves.toEqual({ ok: true });
  });

  it('rejects when an async middleware settles without next', async () => {
    const { d, ctx } = setup();
    d.use(async () => {});
    await expect(d.runMiddleware(ctx)).resolves.toEqual({ ok: false, reason: REJECTED_BY_MIDDLEWARE });
  });

  it('rejects when a middleware throws or rejects (the error is logged, not sent)', async () => {
    const { d, ctx, log } = setup();
    d.use(() => {
      throw new Error('secret');
    });
    await expect(d.runMiddleware(ctx)).resolves.toEqual({ ok: false, reason: MIDDLEWARE_ERROR });
    const d2 = setup();
    d2.d.use(async () => {
      throw new Error('nope');
    });
    await expect(d2.d.runMiddleware(d2.ctx)).resolves.toEqual({ ok: false, reason: MIDDLEWARE_ERROR });
    expect(log.at('warn')[0]).toContain('secret');
  });

  it('bounds the chain by the timeout', async () => {
    const { d, ctx, clock } = setup();
    d.use(() => new Promise(() => {})); // never settles
    const p = d.runMiddleware(ctx, 5000);
    clock.advance(4999);
    let settled = false;
    void p.then(() => (settled = true));
    await flush();
    expect(settled).toBe(false);
    clock.advance(1);
    await expect(p).resolves.toEqual({ ok: false, reason: MIDDLEWARE_TIMEOUT });
    expect(clock.pending).toBe(0);
  });

  it('next() called twice or late does not double-settle', async () => {
    const { d, ctx, clock } = setup();
    let saved: () => void = () => {};
    d.use((_c, next) => {
      next();
      next();
    });
    d.use((_c, next) => {
      saved = next;
    });
    const p = d.runMiddleware(ctx);
    clock.advance(0);
    await expect(p).resolves.toEqual({ ok: false, reason: REJECTED_BY_MIDDLEWARE });
    expect(() => saved()).not.toThrow();
  });
});
