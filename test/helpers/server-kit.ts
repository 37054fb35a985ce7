import { StelarServer, StelarClient, inProcessTransport, type StelarOptions, type StelarClientOptions } from '../../src';

export type Mode = 'ws' | 'tcp' | 'memory';
/** The socket transports (every end-to-end feature runs over both). */
export const MODES: Mode[] = ['ws', 'tcp'];
/**
 * The socket transports plus the in-process one: for features of the domain (rooms, acks,
 * messaging, middleware), which must behave the same whatever carries the messages.
 */
export const DOMAIN_MODES: Mode[] = [...MODES, 'memory'];

let inProcessNames = 0;

/**
 * Starts servers and clients for end-to-end tests and tears all of them down: servers on
 * ephemeral ports (WS and TCP), silent, no signal handlers, clients without reconnection.
 */
export class ServerKit {
  private readonly servers: StelarServer[] = [];
  private readonly clients: StelarClient[] = [];
  /** The in-process address of each server (every server also listens in-process). */
  private readonly names = new WeakMap<StelarServer, string>();

  async server(options: StelarOptions = {}): Promise<StelarServer> {
    const name = `kit-${process.pid}-${++inProcessNames}`;
    const s = StelarServer.create(
      { port: 0, tcpPort: 0, logger: false, gracefulShutdown: false, ...options },
      { transports: (builtIn) => [...builtIn, inProcessTransport({ name })] },
    );
    this.names.set(s, name);
    this.servers.push(s);
    await s.start();
    return s;
  }

  /** A client of `server` over `mode`, not yet connected. */
  client(server: StelarServer, mode: Mode, options: StelarClientOptions = {}): StelarClient {
    const tls = options.tls === true;
    const target =
      mode === 'ws'
        ? `${tls ? 'wss' : 'ws'}://127.0.0.1:${server.getPort()}/`
        : mode === 'tcp'
          ? `127.0.0.1:${server.getTcpPort()}`
          : `memory://${this.names.get(server)}`;
    const c = new StelarClient(target, { mode, reconnection: false, logger: 'silent', ...options });
    this.clients.push(c);
    return c;
  }

  /** A connected client (resolves after its `connect` event, so getId() is known). */
  async connect(server: StelarServer, mode: Mode, options: StelarClientOptions = {}): Promise<StelarClient> {
    const c = this.client(server, mode, options);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: unknown) => reject(err instanceof Error ? err : new Error(String(err)));
      c.once('error', onError);
      c.once('connect', () => {
        c.off('error', onError);
        resolve();
      });
      c.connect();
    });
    return c;
  }

  async teardown(): Promise<void> {
    for (const c of this.clients.splice(0)) c.disconnect();
    await Promise.all(this.servers.splice(0).map((s) => s.stop()));
  }
}

/** Resolves with the next `event` on `client` (its first listener argument). */
export function next<T = unknown>(client: StelarClient, event: string, timeoutMs = 3000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${event}"`)), timeoutMs);
    client.once(event, (data: unknown) => {
      clearTimeout(timer);
      resolve(data as T);
    });
  });
}

/** Polls `check` until it returns true (bounded). */
export async function until(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Collects every `event` received by `client`. */
export function collect<T = unknown>(client: StelarClient, event: string): T[] {
  const out: T[] = [];
  client.on(event, (d: unknown) => out.push(d as T));
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
