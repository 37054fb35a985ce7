import { promValue } from '../../helpers/prom-text';
import { until } from '../../helpers/server-kit';
import type { StelarClient } from '../../../src';
import { RECOVERY_VARIANTS, RecoveryKit, dropAndReturn, type RigOptions } from './recovery-e2e.kit';

// Client → server session recovery end to end (docs/API.md, "Session recovery"): emits and
// requests on the wire when a proxy resets both directions are re-sent after the resume and run
// exactly once; binary messages and answers sent while the client is away are replayed.

describe.each(RECOVERY_VARIANTS)('client → server recovery over $name', ({ mode, tls }) => {
  const kit = new RecoveryKit({ mode, tls });
  afterEach(() => kit.teardown());
  /** A rig whose client waits long for answers (the requests here cross a drop). */
  const setup = (recovery: unknown, options: RigOptions<StelarClient> = {}) =>
    kit.setup(recovery, { ...options, client: { ackTimeout: 10000, ...options.client } });

  it('emits across a drop arrive exactly once and in order (a re-sent one already processed is dropped and counted)', async () => {
    const got: number[] = [];
    const { server, proxy, client, connects, gone } = await setup(true, {
      server: (s, proxy) =>
        s.on('e', (ctx) => {
          got.push(ctx.data as number);
          // The wire is cut right after the server processed 8: its confirmation never arrives,
          // so the client re-sends 8 (and whatever followed) after the resume.
          if (ctx.data === 8) {
            proxy().hold();
            proxy().cut();
          }
        }),
    });
    const id = client.getId()!;
    for (let i = 1; i <= 5; i++) client.emit('e', i);
    await until(() => got.length === 5, 3000, 'emits 1..5');
    for (let i = 6; i <= 10; i++) client.emit('e', i);
    await until(() => gone.includes(id), 5000, 'server to notice the drop');
    for (let i = 11; i <= 15; i++) client.emit('e', i); // offline queue
    proxy.release();
    await until(() => connects.length === 2, 5000, 'reconnect');
    expect(connects[1]).toEqual({ recovered: true });
    for (let i = 16; i <= 20; i++) client.emit('e', i);
    await until(() => got.length >= 20, 5000, 'emits up to 20');
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(promValue(await server.metrics(), 'stelar_recovery_duplicates_total')).toBeGreaterThanOrEqual(1);
    // Everything was confirmed in the end: the client keeps nothing.
    await until(() => client.getUnconfirmedCount() === 0, 3000, 'confirmations');
  });

  it('a request in flight at the drop resolves; its handler ran once; the re-sent duplicate is answered from the cache', async () => {
    let calls = 0;
    const { server, client, connects } = await setup({ windowMs: 10000 }, {
      server: (s, proxy) =>
        s.onAck('slow', (ctx) => {
          calls++;
          // Cut as the handler answers: neither the answer nor the confirmation reaches the client.
          proxy().cut();
          return `answer-${String(ctx.data)}`;
        }),
    });
    const answer = client.request('slow', 1);
    await until(() => connects.length === 2, 5000, 'reconnect');
    expect(connects[1]).toEqual({ recovered: true });
    await expect(answer).resolves.toBe('answer-1');
    expect(calls).toBe(1);
    await until(() => server.getStats().totalMessagesReceived >= 2, 3000, 'the re-sent request');
    const text = await server.metrics();
    expect(promValue(text, 'stelar_recovery_duplicates_total')).toBe(1);
    expect(promValue(text, 'stelar_recovery_cached_answers_total')).toBe(1);
    // A later request runs normally.
    await expect(client.request('slow2', 2).catch((e: Error) => e.message)).resolves.toMatch(/No handler/);
  });

  it('an async handler that answers after the drop: the answer reaches the resumed connection, handler once', async () => {
    let calls = 0;
    let finish: (() => void) | null = null;
    const rig = await setup({ windowMs: 10000 }, {
      server: (s) =>
        s.onAck('later', async (ctx) => {
          calls++;
          await new Promise<void>((r) => (finish = r));
          return `late-${String(ctx.data)}`;
        }),
    });
    const id = rig.client.getId()!;
    const answer = rig.client.request('later', 7);
    await until(() => finish !== null, 3000, 'handler started');
    await dropAndReturn(rig, id);
    finish!();
    await expect(answer).resolves.toBe('late-7');
    expect(calls).toBe(1);
  });

  it('binary messages sent while away are replayed exactly once, in order with events', async () => {
    const rig = await setup(true);
    const { server, client, connects } = rig;
    const order: string[] = [];
    client.on('bin', (b: Uint8Array) => order.push(`b${b[0]}`));
    client.on('ev', (n: number) => order.push(`e${n}`));
    expect(await client.joinRoom('r')).toBe(true);
    const id = client.getId()!;
    server.to('r', 'bin', Buffer.from([1]));
    await until(() => order.length === 1, 3000, 'first binary');
    await dropAndReturn(rig, id, () => {
      server.to('r', 'ev', 2);
      server.to('r', 'bin', Buffer.from([3]));
      server.toId(id, 'bin', Buffer.from([4]));
    });
    expect(connects[1]).toEqual({ recovered: true });
    server.to('r', 'bin', Buffer.from([5]));
    await until(() => order.length >= 5, 3000, 'all five');
    expect(order).toEqual(['b1', 'e2', 'b3', 'b4', 'b5']);
  });

  it('ctx.emitBinary lost on the wire at the drop is replayed, in order with ctx.emit (both in the session\'s direct stream)', async () => {
    let kept: { emit(e: string, d: unknown): void; emitBinary(e: string, b: Uint8Array): void } | null = null;
    const rig = await setup(true, { server: (s) => s.on('keep', (ctx) => void (kept = ctx)) });
    const { client, connects, proxy } = rig;
    const order: string[] = [];
    client.on('bin', (b: Uint8Array) => order.push(`b${b[0]}`));
    client.on('ev', (n: number) => order.push(`e${n}`));
    client.emit('keep');
    await until(() => kept !== null, 3000, 'handler ran');
    kept!.emitBinary('bin', Buffer.from([1]));
    await until(() => order.length === 1, 3000, 'first binary');
    // Written by the server while its connection still looks alive, never delivered: the drop eats them.
    proxy.muteDownstream();
    kept!.emitBinary('bin', Buffer.from([2]));
    kept!.emit('ev', 3);
    kept!.emitBinary('bin', Buffer.from([4]));
    await new Promise((r) => setImmediate(r));
    await dropAndReturn(rig, client.getId()!);
    expect(connects[1]).toEqual({ recovered: true });
    await until(() => order.length >= 4, 3000, 'the three lost ones');
    expect(order).toEqual(['b1', 'b2', 'e3', 'b4']);
  });

  if (tls) return; // the cases below do not depend on the encryption layer

  it("a session that cannot resume: the request on the wire rejects with STELAR_ERR_SESSION_LOST", async () => {
    const { client, connects, proxy, gone } = await setup(
      { windowMs: 100 },
      { server: (s) => s.onAck('never', () => new Promise(() => {})), client: { customReconnectDelay: () => 400 } },
    );
    const id = client.getId()!;
    const answer = client.request('never', 1).then(
      () => 'resolved',
      (e: { code?: string }) => e.code,
    );
    await until(() => client.getUnconfirmedCount() === 0, 3000, 'request confirmed');
    proxy.cut();
    await until(() => gone.includes(id), 5000, 'drop noticed');
    await until(() => connects.length === 2, 5000, 'reconnect');
    expect(connects[1]).toEqual({ recovered: false, reason: 'expired' });
    await expect(answer).resolves.toBe('STELAR_ERR_SESSION_LOST');
  });
});
