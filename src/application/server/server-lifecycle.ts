import type { ClusterBus, ClusterDeliveryHandler, ClusterStateProvider } from '../../ports/cluster-bus.port';
import type { Logger } from '../../ports/logger.port';
import type { Protocol } from '../../ports/connection.port';
import type { Transport } from '../../ports/transport.port';
import type { ClientRegistry } from '../../domain/client-registry.service';
import type { ConnectionService } from '../../domain/connection.service';
import { CloseCode } from '../../domain/errors';
import type { ResolvedOptions } from './server-options';
import type { StelarContext } from './server-types';
import type { Uptime } from './uptime';
import { subscribeSignals, unsubscribeSignals, type SignalSubscriber } from './shutdown-signals';

type State = 'idle' | 'starting' | 'running' | 'stopping';

/** How often stop() checks whether every client has gone (bounded by shutdownTimeout). */
const DRAIN_POLL_MS = 5;

/**
 * start()/stop() of one server: the transports' listeners, the connection service's timers, the
 * cluster bus, and the process signal subscription (graceful shutdown).
 */
export class ServerLifecycle implements SignalSubscriber {
  private state: State = 'idle';
  private starting: Promise<number> | null = null;
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly transports: readonly Transport[],
    private readonly conns: ConnectionService<StelarContext>,
    private readonly clients: ClientRegistry,
    private readonly bus: ClusterBus,
    private readonly logger: Logger,
    private readonly cluster: {
      onDelivery: ClusterDeliveryHandler;
      state: ClusterStateProvider;
      /** Runs first when stopping (the dashboard's own server, which shares the HTTP server). */
      beforeStop?: () => Promise<void>;
      /** Runs after the bus started / after it stopped (the Redis recovery stores). */
      afterStart?: () => Promise<void>;
      afterStop?: () => Promise<void>;
    },
    private readonly uptime: Uptime,
  ) {}

  /** The bound port of the first transport of `protocol`, or null (not installed, not listening). */
  port(protocol: Protocol): number | null {
    return this.transports.find((t) => t.protocol === protocol)?.port() ?? null;
  }

  /** The port start() resolves with: the first transport's that is listening. */
  private mainPort(): number | null {
    for (const t of this.transports) {
      const p = t.port();
      if (p !== null) return p;
    }
    return null;
  }

  start(): Promise<number> {
    if (this.state === 'running') return Promise.resolve(this.mainPort() ?? this.opts.port);
    if (this.starting !== null) return this.starting;
    if (this.state === 'stopping') return Promise.reject(new Error('StelarServer is stopping'));
    this.state = 'starting';
    this.starting = this.doStart().finally(() => (this.starting = null));
    return this.starting;
  }

  private async doStart(): Promise<number> {
    const results = await Promise.allSettled(this.transports.map((t) => t.listen()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) {
      await Promise.allSettled(this.transports.map((t) => t.close()));
      this.state = 'idle';
      throw failed.reason;
    }
    try {
      await this.bus.start(this.cluster.onDelivery, this.cluster.state);
      await this.cluster.afterStart?.();
    } catch (err) {
      await Promise.allSettled(this.transports.map((t) => t.close()));
      this.state = 'idle';
      throw err;
    }
    this.conns.start();
    if (this.opts.gracefulShutdown) subscribeSignals(this);
    this.uptime.started();
    this.state = 'running';
    const port = this.mainPort() ?? this.opts.port;
    // "listening on port 3000, TCP 3001": the first port, then the other transports' by protocol.
    const [first, ...others] = this.transports.filter((t) => t.port() !== null);
    const rest = others.map((t) => `, ${t.protocol.toUpperCase()} ${t.port()}`).join('');
    const where = first === undefined ? 'in-process only' : `on port ${first.port()}${rest}`;
    this.logger.info(`listening ${where}${this.opts.tls ? ' (TLS)' : ''}`);
    return port;
  }

  stop(): Promise<void> {
    if (this.stopping !== null) return this.stopping;
    if (this.state === 'idle') return Promise.resolve();
    this.stopping = this.doStop().finally(() => {
      this.stopping = null;
      this.state = 'idle';
      this.uptime.stopped();
    });
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    if (this.starting !== null) await this.starting.catch(() => undefined);
    this.state = 'stopping';
    unsubscribeSignals(this);
    await this.cluster.beforeStop?.().catch((err: unknown) => this.logger.warn({ err }, 'operations stop failed'));
    // Stop accepting first, then tell every client (WS 1001 / TCP Disconnect) and wait for them.
    const closing = Promise.allSettled(this.transports.map((t) => t.close()));
    this.conns.closeAll(CloseCode.GoingAway, 'Server shutting down');
    await this.drain(this.opts.shutdownTimeout);
    for (const r of [...this.clients.values()]) r.conn.terminate();
    await closing;
    this.conns.dispose();
    await this.bus.stop().catch((err: unknown) => this.logger.warn(`cluster bus stop failed: ${String(err)}`));
    await this.cluster.afterStop?.().catch((err: unknown) => this.logger.warn(`recovery store stop failed: ${String(err)}`));
    this.logger.info('stopped');
  }

  /** Resolves when every client has closed, or after `timeoutMs`. */
  private drain(timeoutMs: number): Promise<void> {
    if (this.clients.size === 0 && this.conns.admittingCount === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const deadline = Date.now() + timeoutMs;
      const timer = setInterval(() => {
        if ((this.clients.size === 0 && this.conns.admittingCount === 0) || Date.now() >= deadline) {
          clearInterval(timer);
          resolve();
        }
      }, DRAIN_POLL_MS);
      // Deliberately not unref'd: an awaited stop() must settle even when the last client
      // socket closes mid-drain and nothing else keeps the process alive. The timer is bounded
      // by shutdownTimeout and always cleared.
    });
  }

  /** SIGINT/SIGTERM: stop accepting, close clients, wait up to shutdownTimeout, then exit 0. */
  onSignal(signal: NodeJS.Signals): void {
    this.logger.info(`${signal} received: shutting down`);
    void this.stop().then(() => {
      if (this.opts.onShutdownComplete) this.opts.onShutdownComplete(signal);
      else process.exit(0);
    });
  }
}
