import type { ClientTransport, ClientTransportHandler } from '../../ports/client-transport.port';

/** What a dialer needs from the server listening on a name (the in-process server transport). */
export interface InProcessListener {
  readonly isListening: boolean;
  dial(headers: Readonly<Record<string, string>>, remoteAddress: string, handler: ClientTransportHandler): ClientTransport;
}

/**
 * Names in-process servers listen on, like ports on a host: `inProcessTransport({ name })`
 * listens on `name`, a client dials `memory://name`. One shared network serves the process by
 * default; tests that want isolation give both sides their own `new InProcessNetwork()`.
 */
export class InProcessNetwork {
  private readonly listeners = new Map<string, InProcessListener>();

  /** Takes `name`; throws (like EADDRINUSE) when another server holds it. */
  listen(name: string, server: InProcessListener): void {
    const holder = this.listeners.get(name);
    if (holder !== undefined && holder !== server) throw new Error(`in-process address "${name}" is already in use`);
    this.listeners.set(name, server);
  }

  /** Frees `name` if `server` holds it. */
  unlisten(name: string, server: InProcessListener): void {
    if (this.listeners.get(name) === server) this.listeners.delete(name);
  }

  /** The server listening on `name`, if any. */
  lookup(name: string): InProcessListener | undefined {
    return this.listeners.get(name);
  }
}

/** The process-wide network both sides use unless given their own. */
export const IN_PROCESS_NETWORK = new InProcessNetwork();
