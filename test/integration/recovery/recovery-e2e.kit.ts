// The rig of the end-to-end session-recovery suites (recovery-drop, recovery-edges,
// recovery-client-sends, recovery-offer-channel, recovery-browser-transport): a server, a
// DropProxy in front of the port of the suite's transport (it resets both directions, as a lost
// network would, and can hold the reconnection), and a fast-reconnecting client through it.
import { StelarClient, type StelarServer } from '../../../src';
import { DropProxy } from '../../helpers/drop-proxy';
import { ServerKit, until } from '../../helpers/server-kit';
import { testCert } from '../../helpers/tls-cert';

/** What a client's `connect` event says about its session. */
export interface ConnectInfo {
  recovered: boolean;
  reason?: string;
}

/** A socket transport, plain or over TLS (with the test certificate). */
export interface RecoveryVariant {
  readonly name: string;
  readonly mode: 'ws' | 'tcp';
  readonly tls: boolean;
}

/** Both socket transports, plain and over TLS. */
export const RECOVERY_VARIANTS: readonly RecoveryVariant[] = [
  { name: 'ws', mode: 'ws', tls: false },
  { name: 'wss', mode: 'ws', tls: true },
  { name: 'tcp', mode: 'tcp', tls: false },
  { name: 'tcp+tls', mode: 'tcp', tls: true },
];

/** The client options every rig's client starts from (a drop is followed by a quick reconnection). */
export const FAST_RECONNECT = { logger: 'silent', reconnection: true, reconnectionDelay: 20, maxReconnectionDelay: 40 } as const;

/** What the rig's client needs of a client class (the Node client, or the browser build's). */
export interface RigClient {
  on(event: 'connect', listener: (info: ConnectInfo) => void): unknown;
  connect(): unknown;
  disconnect(): unknown;
}

/** Builds the rig's client: the URL through the proxy, the options, the CA of the test certificate (TLS only). */
export type ClientMaker<C extends RigClient> = (url: string, options: Record<string, unknown>, ca: string | undefined) => C;

export interface RigOptions<C extends RigClient> {
  /** Runs on the server before the proxy starts (the proxy is reachable later through its getter). */
  readonly server?: (server: StelarServer, proxy: () => DropProxy) => void;
  /** Client options over {@link FAST_RECONNECT} (the default client adds the mode and, over TLS, trust in the test certificate). */
  readonly client?: Record<string, unknown>;
  /** Another client class (default: the Node StelarClient in the variant's mode; then C is StelarClient). */
  readonly makeClient?: ClientMaker<C>;
}

/** One rig: the client has had its first `connect`. */
export interface Rig<C extends RigClient = StelarClient> {
  readonly server: StelarServer;
  readonly proxy: DropProxy;
  readonly client: C;
  /** Every `connect` of the client, in order. */
  readonly connects: ConnectInfo[];
  /** The ids the server saw disconnect, in order. */
  readonly gone: string[];
}

/**
 * The servers (ServerKit: ephemeral ports, silent), proxies and clients of one suite, for one
 * transport; `teardown()` (in afterEach) disconnects the clients, closes the proxies, stops the
 * servers.
 */
export class RecoveryKit extends ServerKit {
  private readonly proxies: DropProxy[] = [];
  private readonly rigClients: RigClient[] = [];

  constructor(private readonly variant: { readonly mode: 'ws' | 'tcp'; readonly tls: boolean }) {
    super();
  }

  override async teardown(): Promise<void> {
    for (const c of this.rigClients.splice(0)) c.disconnect();
    for (const p of this.proxies.splice(0)) await p.close();
    await super.teardown();
  }

  /** The port of `server` for the kit's transport. */
  portOf(server: StelarServer): number {
    return this.variant.mode === 'ws' ? server.getPort() : server.getTcpPort()!;
  }

  /** The client URL through `proxy`, in the scheme of the kit's transport. */
  url(proxy: DropProxy): string {
    const { mode, tls } = this.variant;
    return mode === 'ws' ? `${tls ? 'wss' : 'ws'}://127.0.0.1:${proxy.port}/` : `${tls ? 'tls' : 'tcp'}://127.0.0.1:${proxy.port}`;
  }

  /** A server with `recovery` (over TLS when the variant says so) and a rig on it. */
  async setup<C extends RigClient = StelarClient>(recovery: unknown, options: RigOptions<C> = {}): Promise<Rig<C>> {
    const cert = this.variant.tls ? testCert() : undefined;
    const server = await this.server({ recovery, ...(cert === undefined ? {} : { tls: { key: cert.key, cert: cert.cert } }) } as never);
    return this.rig(server, options);
  }

  /** A proxy in front of `server` and a client through it, connected (its first `connect` seen). */
  async rig<C extends RigClient = StelarClient>(server: StelarServer, options: RigOptions<C> = {}): Promise<Rig<C>> {
    const gone: string[] = [];
    server.onDisconnect((ctx) => gone.push(ctx.id));
    let proxy: DropProxy | null = null;
    options.server?.(server, () => proxy!);
    proxy = await DropProxy.start(this.portOf(server));
    this.proxies.push(proxy);
    const ca = this.variant.tls ? testCert().cert : undefined;
    const make =
      options.makeClient ??
      (((url, opts, trust) =>
        new StelarClient(url, { mode: this.variant.mode, ...(trust === undefined ? {} : { tls: true, ca: trust }), ...opts } as never)) as ClientMaker<RigClient> as ClientMaker<C>);
    const client = make(this.url(proxy), { ...FAST_RECONNECT, ...options.client }, ca);
    this.rigClients.push(client);
    const connects: ConnectInfo[] = [];
    client.on('connect', (info: ConnectInfo) => connects.push(info));
    client.connect();
    await until(() => connects.length === 1, 5000, 'first connect');
    return { server, proxy, client, connects, gone };
  }
}

/**
 * Drops the rig's client abruptly (its reconnection held at the proxy), waits until the server
 * saw `id` go, runs `whileAway`, then lets the client back and waits for its next `connect`.
 */
export async function dropAndReturn(rig: Rig<RigClient>, id: string, whileAway?: () => void): Promise<void> {
  const before = rig.connects.length;
  rig.proxy.hold(); // the reconnection waits until the "while away" work is done
  rig.proxy.cut();
  await until(() => rig.gone.includes(id), 5000, 'the server to notice the drop');
  whileAway?.();
  rig.proxy.release();
  await until(() => rig.connects.length === before + 1, 5000, 'reconnect');
}
