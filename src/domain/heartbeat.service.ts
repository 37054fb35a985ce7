import type { Clock, TimerHandle } from '../ports/clock.port';
import type { Logger } from '../ports/logger.port';
import { ClientState } from './client-record';
import type { ClientRegistry } from './client-registry.service';
import { StelarErrorCode } from './errors';
import type { ServerLimits } from './server-limits';

/**
 * One interval timer for every client (never one per connection): each tick pings the live
 * clients and terminates those whose last ping/pong is older than `heartbeatTimeout`.
 */
export class HeartbeatService {
  private timer: TimerHandle | null = null;
  private period = 0;

  constructor(
    private readonly clock: Clock,
    private readonly clients: ClientRegistry,
    private readonly limits: ServerLimits,
    private readonly logger: Logger,
  ) {}

  get running(): boolean {
    return this.timer !== null;
  }

  /** Starts the timer (idempotent). `heartbeatInterval` 0 disables heartbeats. */
  start(): void {
    if (this.timer !== null) return;
    const every = this.limits.heartbeatInterval;
    if (!(every > 0) || !Number.isFinite(every)) return;
    this.period = every;
    this.timer = this.clock.setInterval(() => this.tick(), every);
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearInterval(this.timer);
    this.timer = null;
  }

  /** Restarts the timer when `heartbeatInterval` changed since it was started. */
  refresh(): void {
    if (this.timer !== null && this.period !== this.limits.heartbeatInterval) {
      this.stop();
      this.start();
    }
  }

  tick(): void {
    const now = this.clock.now();
    const timeout = this.limits.heartbeatTimeout;
    for (const r of this.clients.values()) {
      if (r.state !== ClientState.Open) continue;
      if (now - r.info.lastPing > timeout) {
        // The peer is gone or wedged: no close handshake would complete, so drop the socket.
        this.logger.debug(`${StelarErrorCode.HeartbeatTimeout}: terminating ${r.id}`);
        r.state = ClientState.Closing;
        r.inbox = null;
        r.conn.terminate();
      } else {
        r.conn.ping();
      }
    }
  }
}
