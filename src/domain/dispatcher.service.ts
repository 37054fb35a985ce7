import type { Clock, TimerHandle } from '../ports/clock.port';
import type { Logger } from '../ports/logger.port';
import type {
  AckHandler,
  EventHandler,
  HandlerContext,
  Middleware,
  WildcardHandler,
} from './context.types';
import { errorMessage } from './hook-runner.service';
import { isPromise } from './rate-limit-policy.service';

/** Result of the middleware chain. */
export type MiddlewareResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const ADMIT: MiddlewareResult = Object.freeze({ ok: true });
/** Reason given when a middleware finished without calling next(). */
export const REJECTED_BY_MIDDLEWARE = 'Connection rejected by middleware';
/** Reason given when the chain did not finish within the connect timeout. */
export const MIDDLEWARE_TIMEOUT = 'Connection timed out in middleware';
/** Reason given when a middleware threw or rejected (the error itself is only logged). */
export const MIDDLEWARE_ERROR = 'Connection rejected: middleware error';

/**
 * User handlers and the connection middleware chain. Handler lists are copy-on-write, so a
 * handler that registers another never disturbs the dispatch in progress and dispatching
 * allocates nothing.
 */
export class Dispatcher<C extends HandlerContext = HandlerContext> {
  private readonly handlers = new Map<string, EventHandler<C>[]>();
  private wildcard: WildcardHandler<C>[] = [];
  private readonly acks = new Map<string, AckHandler<C>>();
  private middleware: Middleware<C>[] = [];
  private connection: EventHandler<C>[] = [];
  private disconnect: EventHandler<C>[] = [];
  private resume: EventHandler<C>[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  on(event: string, handler: EventHandler<C>): void {
    if (typeof event !== 'string' || event.length === 0) throw new TypeError('event must be a non-empty string');
    fn(handler);
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
  }

  /** Removes one handler, or every handler of `event` when `handler` is omitted. */
  off(event: string, handler?: EventHandler<C>): void {
    const list = this.handlers.get(event);
    if (list === undefined) return;
    const next = handler === undefined ? [] : list.filter((h) => h !== handler);
    if (next.length === 0) this.handlers.delete(event);
    else this.handlers.set(event, next);
  }

  onAll(handler: WildcardHandler<C>): void {
    fn(handler);
    this.wildcard = [...this.wildcard, handler];
  }

  /** One answering handler per name; registering again replaces it. */
  onAck(name: string, handler: AckHandler<C>): void {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('ack name must be a non-empty string');
    fn(handler);
    this.acks.set(name, handler);
  }

  use(mw: Middleware<C>): void {
    fn(mw);
    this.middleware = [...this.middleware, mw];
  }

  onConnection(handler: EventHandler<C>): void {
    fn(handler);
    this.connection = [...this.connection, handler];
  }

  /** Session recovery: runs instead of onConnection handlers when a session is resumed. */
  onResume(handler: EventHandler<C>): void {
    fn(handler);
    this.resume = [...this.resume, handler];
  }

  onDisconnect(handler: EventHandler<C>): void {
    fn(handler);
    this.disconnect = [...this.disconnect, handler];
  }

  hasHandlers(event: string): boolean {
    return this.handlers.has(event);
  }

  getAck(name: string): AckHandler<C> | undefined {
    return this.acks.get(name);
  }

  /** Calls `on(event)` handlers then `onAll` handlers; returns how many `on` handlers ran. */
  dispatch(event: string, ctx: C): number {
    const list = this.handlers.get(event);
    if (list !== undefined) for (let i = 0; i < list.length; i++) this.invoke(list[i], ctx, event);
    const all = this.wildcard;
    if (all.length > 0) {
      const payload = { event, data: ctx };
      for (let i = 0; i < all.length; i++) this.invoke(all[i], payload, event);
    }
    return list === undefined ? 0 : list.length;
  }

  /**
   * {@link dispatch} for a request no `onAck` handler answers: `done` runs once every handler
   * returned, or, for those returning a Promise, once it settled (the request's slot of
   * `maxRequestsInFlight` is then free even if no handler answered).
   */
  dispatchRequest(event: string, ctx: C, done: () => void): void {
    let waiting = 1;
    const settled = (): void => {
      if (--waiting === 0) done();
    };
    const track = (p: Promise<unknown> | undefined): void => {
      if (p === undefined) return;
      waiting++;
      p.then(settled, settled);
    };
    const list = this.handlers.get(event);
    if (list !== undefined) for (let i = 0; i < list.length; i++) track(this.invoke(list[i], ctx, event));
    const all = this.wildcard;
    if (all.length > 0) {
      const payload = { event, data: ctx };
      for (let i = 0; i < all.length; i++) track(this.invoke(all[i], payload, event));
    }
    settled();
  }

  dispatchConnection(ctx: C): void {
    const list = this.connection;
    for (let i = 0; i < list.length; i++) this.invoke(list[i], ctx, 'onConnection');
  }

  dispatchResume(ctx: C): void {
    const list = this.resume;
    for (let i = 0; i < list.length; i++) this.invoke(list[i], ctx, 'onResume');
  }

  dispatchDisconnect(ctx: C): void {
    const list = this.disconnect;
    for (let i = 0; i < list.length; i++) this.invoke(list[i], ctx, 'onDisconnect');
  }

  /**
   * Runs the middleware chain in order. A middleware admits by calling `next()`. It rejects
   * when it throws or rejects, when its returned Promise settles without `next()`, or, when it
   * returns a non-Promise, when `next()` has not been called by the next macrotask. With
   * `timeoutMs`, the whole chain must finish within that time (the connect timeout).
   */
  runMiddleware(ctx: C, timeoutMs?: number): Promise<MiddlewareResult> {
    const chain = this.middleware;
    if (chain.length === 0) return Promise.resolve(ADMIT);
    return new Promise<MiddlewareResult>((resolve) => {
      let done = false;
      let deadline: TimerHandle | undefined;
      const finish = (r: MiddlewareResult): void => {
        if (done) return;
        done = true;
        if (deadline !== undefined) this.clock.clearTimeout(deadline);
        resolve(r);
      };
      if (timeoutMs !== undefined && timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        deadline = this.clock.setTimeout(() => finish({ ok: false, reason: MIDDLEWARE_TIMEOUT }), timeoutMs);
      }
      const step = (i: number): void => {
        if (done) return;
        if (i === chain.length) return finish(ADMIT);
        this.runOne(chain[i], ctx, (r) => (r.ok ? step(i + 1) : finish(r)));
      };
      step(0);
    });
  }

  private runOne(mw: Middleware<C>, ctx: C, settle: (r: MiddlewareResult) => void): void {
    let settled = false;
    let called = false;
    let tick: TimerHandle | undefined;
    const once = (r: MiddlewareResult): void => {
      if (settled) return;
      settled = true;
      if (tick !== undefined) this.clock.clearTimeout(tick);
      settle(r);
    };
    const next = (): void => {
      if (called) return;
      called = true;
      once(ADMIT);
    };
    let ret: unknown;
    try {
      ret = mw(ctx, next);
    } catch (err) {
      this.logger.warn(`middleware threw: ${errorMessage(err)}`);
      return once({ ok: false, reason: MIDDLEWARE_ERROR });
    }
    if (settled) return;
    if (isPromise(ret)) {
      ret.then(
        () => once(called ? ADMIT : { ok: false, reason: REJECTED_BY_MIDDLEWARE }),
        (err: unknown) => {
          this.logger.warn(`middleware rejected: ${errorMessage(err)}`);
          once({ ok: false, reason: MIDDLEWARE_ERROR });
        },
      );
    } else {
      // A sync middleware may call next() from a microtask (e.g. a resolved promise it did not
      // return); give it until the next macrotask.
      tick = this.clock.setTimeout(() => {
        tick = undefined;
        once(called ? ADMIT : { ok: false, reason: REJECTED_BY_MIDDLEWARE });
      }, 0);
    }
  }

  /** Runs one handler; returns its Promise (rejection already handled) when it returned one. */
  private invoke<A>(h: (arg: A) => unknown, arg: A, label: string): Promise<unknown> | undefined {
    try {
      const r = h(arg);
      if (isPromise(r)) return r.then(undefined, (err: unknown) => this.handlerFailed(err, arg, label, 'rejected'));
    } catch (err) {
      this.handlerFailed(err, arg, label, 'threw');
    }
    return undefined;
  }

  /** One structured line per failed handler, the error (and its stack) in `err`. */
  private handlerFailed(err: unknown, arg: unknown, label: string, how: 'threw' | 'rejected'): void {
    // The context (or the wildcard payload's) carries the client id.
    const a = arg as { id?: unknown; data?: { id?: unknown } } | null;
    const clientId = typeof a?.id === 'string' ? a.id : typeof a?.data?.id === 'string' ? a.data.id : undefined;
    this.logger.error({ err, event: label, clientId }, `handler for "${label}" ${how}`);
  }
}

function fn(h: unknown): void {
  if (typeof h !== 'function') throw new TypeError('handler must be a function');
}
