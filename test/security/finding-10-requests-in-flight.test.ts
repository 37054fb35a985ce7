// Finding 10 (the per-connection bounds audit): nothing bounded the requests one connection had
// in flight. A client sending thousands of requests whose async handlers never answer made the
// server hold a context, a pending request and the handler's closure for each, for as long as
// the connection lived. Now `maxRequestsInFlight` (default 1024) bounds them per connection: the
// request over it is answered at once with STELAR_ERR_TOO_MANY_REQUESTS (handler not run), one
// throttled warn line says so, the connection stays open, and a slot is free again as soon as its
// handler answers.
import { StelarClient, StelarErrorCode, type StelarError } from '../../src';
import { AttackServer, Canaries, MiB, peakRssGrowth, waitFor } from './attack-kit';

let server: AttackServer;
const attackers: StelarClient[] = [];
afterEach(async () => {
  for (const a of attackers.splice(0)) a.disconnect();
  await server?.stop();
});

const REQUESTS = 5000;
const BOUND = 1024;

async function attacker(mode: 'ws' | 'tcp', tls: boolean): Promise<StelarClient> {
  const url = mode === 'ws' ? `${tls ? 'wss' : 'ws'}://127.0.0.1:${server.port}/` : `127.0.0.1:${server.tcpPort}`;
  // The client's own bound is raised far above the server's: the attacker is not a polite client.
  const c = new StelarClient(url, {
    mode,
    reconnection: false,
    logger: 'silent',
    ackTimeout: 120_000,
    maxRequestsInFlight: 100_000,
    ...(tls ? { tls: true, rejectUnauthorized: false } : {}),
  });
  attackers.push(c);
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
    c.connect();
  });
  return c;
}

/** What each request of a flood ended with: 'late' (answered after 'release') or an error code. */
function flood(c: StelarClient, n: number): { outcomes: string[]; settled: () => number } {
  const outcomes: string[] = [];
  for (let i = 0; i < n; i++) {
    c.request<string>('hang', i).then(
      (v: unknown) => void outcomes.push(String(v)),
      (e: StelarError) => void outcomes.push(e.code ?? e.message),
    );
  }
  return { outcomes, settled: () => outcomes.length };
}

const count = (xs: string[], x: string): number => xs.filter((v) => v === x).length;

describe.each([
  ['plain', false],
  ['TLS', true],
])('finding 10 (%s): requests in flight per connection', (_label, tls) => {
  it(`${REQUESTS} never-answered requests per connection (WebSocket and TCP): ${BOUND} run, the rest refused with STELAR_ERR_TOO_MANY_REQUESTS; memory bounded; canaries lose nothing`, async () => {
    server = await AttackServer.spawn({ rateLimit: false }, { tls });
    const canaries = await Canaries.start(server, { tls });
    const ws = await attacker('ws', tls);
    const tcp = await attacker('tcp', tls);
    const floods = [flood(ws, REQUESTS), flood(tcp, REQUESTS)];
    const refused = REQUESTS - BOUND;
    const rss = await peakRssGrowth(
      server,
      waitFor(() => floods.every((f) => f.settled() === refused), 'every refusal to arrive', 60_000),
    );
    // Exactly the bound ran per connection; every other request got the code at once.
    for (const f of floods) expect(count(f.outcomes, StelarErrorCode.TooManyRequests)).toBe(refused);
    expect(await server.hung()).toBe(2 * BOUND);
    // Bounded: 2 × 1024 contexts plus the refusals' answers, not 10,000 held contexts; noise allowed.
    expect(rss.growth).toBeLessThan(48 * MiB);
    // One warn line a second at most (not one per refusal), with the code and the client.
    const lines = await server.untilLogged(/STELAR_ERR_TOO_MANY_REQUESTS: request refused/, /maxRequestsInFlight/);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThan(30);
    expect(ws.isConnected() && tcp.isConnected()).toBe(true);

    // The handlers answer: every slot is free again and the held requests get their answers.
    expect(await server.release()).toBe(2 * BOUND);
    await waitFor(() => floods.every((f) => f.settled() === REQUESTS), 'the released answers', 30_000);
    for (const f of floods) expect(count(f.outcomes, 'late')).toBe(BOUND);
    // A new flood is admitted up to the bound again, on the same connections.
    const again = [flood(ws, BOUND + 1), flood(tcp, BOUND + 1)];
    await waitFor(() => again.every((f) => f.settled() === 1), 'one refusal each', 30_000);
    for (const f of again) expect(f.outcomes).toEqual([StelarErrorCode.TooManyRequests]);
    // The server runs a connection's requests in order: the refusal came after the 1024 it ran.
    expect(await server.hung()).toBe(2 * BOUND);
    await server.release();

    const { problems, exchanged } = await canaries.finish();
    expect(problems).toEqual([]);
    expect(exchanged).toBeGreaterThan(0);
  }, 120_000);
});

it('finding 10: a polite client is bounded too, before anything is sent (client maxRequestsInFlight, default 1024)', async () => {
  server = await AttackServer.spawn({ rateLimit: false });
  const c = new StelarClient(`ws://127.0.0.1:${server.port}/`, { reconnection: false, logger: 'silent', ackTimeout: 60_000 });
  attackers.push(c);
  await new Promise<void>((resolve) => {
    c.once('connect', () => resolve());
    c.connect();
  });
  const f = flood(c, BOUND + 10);
  await waitFor(() => f.settled() === 10, 'the client-side refusals');
  expect(f.outcomes).toEqual(Array(10).fill(StelarErrorCode.TooManyRequests));
  // The server saw only what the client let through: it runs all of them, refuses nothing and
  // logs nothing (its log lines travel on the same IPC channel, ahead of the 'hung' answer).
  const deadline = Date.now() + 20_000;
  while ((await server.hung()) < BOUND && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(await server.hung()).toBe(BOUND);
  expect(server.logged(/STELAR_ERR_TOO_MANY_REQUESTS/)).toEqual([]);
  // Disconnect releases the client's pending entries (and their timers).
  c.disconnect();
  await waitFor(() => f.settled() === BOUND + 10, 'the pending requests to reject');
  expect(count(f.outcomes, StelarErrorCode.Disconnected)).toBe(BOUND);
}, 60_000);
