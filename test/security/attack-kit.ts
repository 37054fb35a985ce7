// The attack suite's toolkit: a StelarServer in a child process (memory and descriptors are
// measured there, apart from the attackers), canary clients that must lose nothing while an
// attack runs, and small raw-socket helpers.
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { StelarClient, type StelarOptions } from '../../src';
import { testCert } from '../helpers/tls-cert';

const root = path.resolve(__dirname, '../..');

/** Memory of the server process (after a forced GC). */
export interface MemorySample {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** Extra settings of the server process besides StelarOptions. */
export interface AttackServerSettings {
  /** Serve WSS and TLS-over-TCP with a throw-away certificate. */
  readonly tls?: boolean;
  /** Install an async middleware that waits this long before next(). */
  readonly middlewareMs?: number;
  /** --max-old-space-size of the server process (MB). */
  readonly maxOldSpaceMb?: number;
}

/** A StelarServer in a child process, driven over IPC. */
export class AttackServer {
  port = 0;
  tcpPort = 0;
  readonly logs: { level: string; msg: string }[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(readonly proc: ChildProcess) {
    this.exited = new Promise((r) => proc.once('exit', (code) => r(code)));
    proc.on('message', (m: { ready?: boolean; port?: number; tcpPort?: number; log?: string; msg?: string; id?: number; result?: unknown }) => {
      if (m.ready) {
        this.port = m.port!;
        this.tcpPort = m.tcpPort!;
      } else if (m.log !== undefined) {
        this.logs.push({ level: m.log, msg: m.msg! });
      } else if (m.id !== undefined) {
        const settle = this.pending.get(m.id);
        this.pending.delete(m.id);
        settle?.resolve(m.result);
      }
    });
    proc.stderr!.setEncoding('utf8').on('data', (c: string) => this.stderr.push(c));
    // A dead server answers nothing: pending questions fail instead of hanging the test.
    void this.exited.then((code) => {
      for (const [, settle] of this.pending) settle.reject(new Error(`attack server exited (${code}): ${this.stderr.join('').slice(-2000)}`));
      this.pending.clear();
    });
  }

  static async spawn(options: StelarOptions = {}, settings: AttackServerSettings = {}): Promise<AttackServer> {
    const env: NodeJS.ProcessEnv = { ...process.env, STELAR_ATTACK_OPTIONS: JSON.stringify(options) };
    if (settings.tls) {
      const cert = testCert();
      env.STELAR_ATTACK_TLS = '1';
      env.STELAR_ATTACK_KEY = cert.key;
      env.STELAR_ATTACK_CERT = cert.cert;
    }
    if (settings.middlewareMs) env.STELAR_ATTACK_MIDDLEWARE_MS = String(settings.middlewareMs);
    const nodeArgs = ['--expose-gc', '-r', 'esbuild-register'];
    if (settings.maxOldSpaceMb) nodeArgs.unshift(`--max-old-space-size=${settings.maxOldSpaceMb}`);
    const proc = spawn(process.execPath, [...nodeArgs, path.join(__dirname, 'fixtures/attack-server.fixture.ts')], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env,
    });
    const server = new AttackServer(proc);
    let gone = false;
    void server.exited.then(() => (gone = true));
    await waitFor(() => server.port > 0 || gone, 'the attack server to listen', 20_000);
    if (gone) throw new Error(`attack server exited: ${server.stderr.join('')}`);
    return server;
  }

  private ask<T>(op: string): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      if (!this.alive) return reject(new Error(`attack server is gone: ${this.stderr.join('')}`));
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.proc.send({ id, op });
    });
  }

  /** Memory after a forced GC. */
  mem(): Promise<MemorySample> {
    return this.ask('mem');
  }

  /** Open file descriptors of the server process (/proc/self/fd). */
  fds(): Promise<number> {
    return this.ask('fds');
  }

  /** `hang` handlers waiting (the fixture's), and 'release': answer them all ('late'). */
  hung(): Promise<number> {
    return this.ask('hung');
  }

  release(): Promise<number> {
    return this.ask('release');
  }

  stats(): Promise<{ activeConnections: number; totalConnections: number }> {
    return this.ask('stats');
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Log lines matching every one of `res`, once at least one arrived (IPC lags the sockets; 3 s at most). */
  async untilLogged(...res: RegExp[]): Promise<string[]> {
    await waitFor(() => this.logged(...res).length > 0, `a log line matching ${res.join(' ')}`, 3000).catch(() => undefined);
    return this.logged(...res);
  }

  /** Log lines matching every one of `res`. */
  logged(...res: RegExp[]): string[] {
    return this.logs.filter((l) => res.every((re) => re.test(l.msg))).map((l) => l.msg);
  }

  /** Graceful stop (IPC disconnect → server.stop()), SIGKILL after 5 s. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    this.proc.disconnect();
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * Two clients (one WebSocket, one TCP) exchanging acknowledged messages through the server
 * while an attack runs: every `canary` request carries a sequence number, the server relays it
 * to the other canary and acknowledges it. finish() asserts nothing was lost or duplicated.
 */
/** Canaries not yet finished: stopped after each test, so a failed assertion leaves nothing running. */
const liveCanaries = new Set<Canaries>();
afterEach(() => {
  for (const c of liveCanaries) c.stop();
});

export class Canaries {
  private readonly clients: StelarClient[] = [];
  private readonly sent = [0, 0];
  private readonly acked: number[][] = [[], []];
  private readonly received: number[][] = [[], []];
  private readonly failures: string[] = [];
  private timer: NodeJS.Timeout | null = null;

  /** `tls`: the server serves wss:// and TLS-over-TCP (its throw-away certificate is trusted). */
  static async start(server: AttackServer, options: { tls?: boolean; intervalMs?: number } = {}): Promise<Canaries> {
    const c = new Canaries();
    liveCanaries.add(c);
    await c.connect(server, options.tls === true);
    const intervalMs = options.intervalMs ?? 20;
    // One exchange right away: even an attack over within one interval has canary traffic.
    c.tick();
    c.timer = setInterval(() => c.tick(), intervalMs);
    c.timer.unref();
    return c;
  }

  /** Stops sending and disconnects the canary clients (idempotent; `finish()` ends with it). */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    liveCanaries.delete(this);
    for (const c of this.clients) c.disconnect();
  }

  private async connect(server: AttackServer, tls: boolean): Promise<void> {
    const targets: [string, 'ws' | 'tcp'][] = [
      [`${tls ? 'wss' : 'ws'}://127.0.0.1:${server.port}/`, 'ws'],
      [`127.0.0.1:${server.tcpPort}`, 'tcp'],
    ];
    for (const [url, mode] of targets) {
      const c = new StelarClient(url, {
        mode,
        reconnection: false,
        logger: 'silent',
        ackTimeout: 10_000,
        ...(tls ? { tls: true, rejectUnauthorized: false } : {}),
      });
      this.clients.push(c);
      const i = this.clients.length - 1;
      c.on('canary', (d: { seq: number }) => this.received[i].push(d.seq));
      c.on('disconnect', (d: unknown) => this.failures.push(`canary ${mode} disconnected: ${JSON.stringify(d)}`));
      await new Promise<void>((resolve, reject) => {
        c.once('connect', () => resolve());
        c.once('error', (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))));
        c.connect();
      });
    }
  }

  private tick(): void {
    for (let i = 0; i < 2; i++) {
      const to = this.clients[1 - i].getId();
      const seq = ++this.sent[i];
      this.clients[i].request<{ seq: number }>('canary', { to, seq }, 'canary').then(
        (r: { seq: number }) => void this.acked[i].push(r.seq),
        (e: Error) => this.failures.push(`canary ${i}: seq ${seq} failed: ${e.message}`),
      );
    }
  }

  /** Stops sending, waits for the last answers and returns what went wrong (empty = lossless). */
  async finish(timeoutMs = 10_000): Promise<{ problems: string[]; exchanged: number }> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    const complete = (): boolean =>
      this.failures.length > 0 ||
      [0, 1].every((i) => this.acked[i].length === this.sent[i] && this.received[1 - i].length === this.sent[i]);
    await waitFor(complete, 'the canaries to drain', timeoutMs).catch(() => undefined);
    const problems = [...this.failures];
    for (let i = 0; i < 2; i++) {
      const expected = Array.from({ length: this.sent[i] }, (_, k) => k + 1);
      const got = [...this.received[1 - i]];
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        problems.push(`canary ${1 - i} received ${got.length}/${expected.length} of canary ${i}'s messages (in order: ${JSON.stringify(got) === JSON.stringify([...got].sort((a, b) => a - b))})`);
      }
      if (this.acked[i].length !== this.sent[i]) problems.push(`canary ${i}: ${this.acked[i].length}/${this.sent[i]} acked`);
    }
    this.stop();
    return { problems, exchanged: this.sent[0] + this.sent[1] };
  }
}

/** Polls `check` every 10 ms until it holds (bounded). */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Opens `n` plain TCP sockets to `port` from `localAddress` (another 127.0.0.0/8 address than
 * the canaries' 127.0.0.1, so per-IP caps tell attacker and canaries apart).
 */
export async function openSockets(port: number, n: number, localAddress = '127.0.0.2'): Promise<net.Socket[]> {
  const sockets = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect({ port, host: '127.0.0.1', localAddress });
          // Recorded from the start: a refused socket may be gone before the caller looks.
          closes.set(s, new Promise((r) => s.once('close', () => r(Date.now()))));
          const chunks: Buffer[] = [];
          inputs.set(s, chunks);
          s.on('data', (d: Buffer) => chunks.push(d));
          s.on('error', () => undefined);
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        }),
    ),
  );
  return sockets;
}

const closes = new WeakMap<net.Socket, Promise<number>>();
const inputs = new WeakMap<net.Socket, Buffer[]>();

/** Resolves when a socket of {@link openSockets} is closed, with the time (ms) since `since`. */
export function closedAfter(socket: net.Socket, since: number): Promise<number> {
  return (closes.get(socket) as Promise<number>).then((at) => at - since);
}

/** Everything a socket of {@link openSockets} received so far. */
export function receivedBy(socket: net.Socket): Buffer {
  return Buffer.concat(inputs.get(socket) ?? []);
}

export const MiB = 1024 * 1024;

/** A raw socket that completed a WebSocket upgrade (`rest`: bytes after the 101 head). */
export async function rawUpgrade(port: number, extra = ''): Promise<{ socket: net.Socket; status: number; head: string }> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
  );
  let got = Buffer.alloc(0);
  const head = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      got = Buffer.concat([got, d]);
      const end = got.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      socket.pause();
      resolve(got.subarray(0, end).toString('latin1'));
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed before the upgrade answer: ${got.toString('latin1')}`)));
  });
  return { socket, status: Number(head.slice(9, 12)), head };
}

/** Peak RSS growth of the server process while `during` runs (sampled every 100 ms). */
export async function peakRssGrowth(server: AttackServer, during: Promise<unknown>): Promise<{ base: number; peak: number; growth: number }> {
  const base = (await server.mem()).rss;
  let peak = base;
  let done = false;
  void during.finally(() => (done = true));
  while (!done) {
    peak = Math.max(peak, (await server.mem()).rss);
    await new Promise((r) => setTimeout(r, 100));
  }
  peak = Math.max(peak, (await server.mem()).rss);
  return { base, peak, growth: peak - base };
}
