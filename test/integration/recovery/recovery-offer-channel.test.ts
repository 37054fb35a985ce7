import { RecoveryKit, dropAndReturn } from './recovery-e2e.kit';

// Where the Node client's resume offer travels (docs/PROTOCOL.md, "Session recovery"): over
// TCP in the hello's own `session` field, so middleware never sees the token in ctx.headers;
// over WebSocket as the `x-stelar-session` upgrade header (no extra round trip; documented as a
// header not to log). Both resume the same way after an abrupt drop.

describe.each(['ws', 'tcp'] as const)('the resume offer of a Node client over %s', (mode) => {
  const kit = new RecoveryKit({ mode, tls: false });
  afterEach(() => kit.teardown());

  it(mode === 'tcp' ? 'is not among the middleware headers (hello `session`)' : 'is the x-stelar-session upgrade header', async () => {
    const seen: unknown[] = [];
    const custom: unknown[] = [];
    const rig = await kit.setup(true, {
      server: (s) =>
        s.use((ctx, next) => {
          seen.push(ctx.headers['x-stelar-session']);
          custom.push(ctx.headers['x-app']);
          next();
        }),
      client: { headers: { 'x-app': 'demo' } },
    });
    const { client, connects } = rig;
    const id = client.getId()!;
    await dropAndReturn(rig, id);
    expect(connects).toEqual([{ recovered: false }, { recovered: true }]);
    expect(client.getId()).toBe(id);
    expect(custom).toEqual(['demo', 'demo']); // the application's own headers still arrive
    if (mode === 'tcp') expect(seen).toEqual([undefined, undefined]);
    else {
      expect(seen[0]).toBe('{"v":1}');
      expect(JSON.parse(seen[1] as string)).toMatchObject({ v: 1, id, token: expect.any(String) });
    }
  });
});
