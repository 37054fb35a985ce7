import fc from 'fast-check';
import type { IRateLimiter } from '../../../src/ports/rate-limiter.port';
import { MessageType } from '../../../src/domain/message';
import { harness } from './connection-harness';

/** Answers per a plan: each check is allowed or not, synchronously or later. */
class PlannedLimiter implements IRateLimiter {
  private i = 0;
  readonly waiting: (() => void)[] = [];
  constructor(private readonly plan: { ok: boolean; async: boolean }[]) {}
  check(): boolean | Promise<boolean> {
    const step = this.plan[this.i++ % this.plan.length];
    if (!step.async) return step.ok;
    return new Promise((resolve) => this.waiting.push(() => resolve(step.ok)));
  }
  reset(): void {}
  cleanup(): void {}
  size(): number {
    return 0;
  }
}

describe('inbound ordering with a mixed sync/async limiter (property)', () => {
  it('handlers see exactly the allowed messages, in arrival order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ ok: fc.boolean(), async: fc.boolean() }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(3), { minLength: 1, maxLength: 40 }),
        async (plan, bursts) => {
          const limiter = new PlannedLimiter(plan);
          const h = harness({ rate: { customRateLimiter: limiter }, hooks: { onRateLimitExceeded: () => false } });
          const seen: number[] = [];
          h.dispatcher.on('e', (ctx) => void seen.push(ctx.data as number));
          const conn = await h.connect();
          // Messages arrive in bursts; between bursts some pending answers are released.
          let n = 0;
          for (const b of bursts) {
            for (let k = 0; k <= b; k++) h.send(conn, { type: MessageType.Event, event: 'e', data: n++ });
            const release = limiter.waiting.splice(0, 1);
            for (const r of release) r();
            await Promise.resolve();
            await Promise.resolve();
          }
          while (limiter.waiting.length > 0) {
            limiter.waiting.shift()!();
            await new Promise<void>((r) => setImmediate(r));
          }
          await new Promise<void>((r) => setImmediate(r));
          // Expected: replay the plan in arrival order.
          const expected: number[] = [];
          for (let m = 0; m < n; m++) if (plan[m % plan.length].ok) expected.push(m);
          expect(seen).toEqual(expected);
          expect(h.clients.get('c1')!.inbox).toBeNull();
          h.service.dispose();
        },
      ),
      { numRuns: 100 },
    );
  });
});
