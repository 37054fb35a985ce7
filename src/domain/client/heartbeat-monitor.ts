import type { Clock, TimerHandle } from '../../ports/clock.port';

/** What the monitor asks its owner to do. */
export interface HeartbeatActions {
  /** Time to ping the peer. */
  ping(): void;
  /** The peer has been silent for `silentMs` (>= 2 intervals): treat it as gone. */
  silent(silentMs: number): void;
}

/**
 * Client-side liveness: every `interval` ms, ping the peer; when nothing at all (message or
 * pong) has arrived for two intervals, report the peer as silent once and stop. Two intervals
 * rather than one tolerate one pong that is late behind a large message. One interval timer per
 * connection, cleared by {@link stop}.
 */
export class HeartbeatMonitor {
  private timer: TimerHandle | null = null;
  private lastSeen = 0;
  private interval = 0;

  constructor(
    private readonly clock: Clock,
    private readonly actions: HeartbeatActions,
  ) {}

  get running(): boolean {
    return this.timer !== null;
  }

  /** (Re)starts with `interval` ms; counts as having just heard from the peer. */
  start(interval: number): void {
    if (!(interval > 0) || !Number.isFinite(interval)) throw new RangeError(`heartbeat interval must be > 0, got ${interval}`);
    this.stop();
    this.interval = interval;
    this.lastSeen = this.clock.now();
    this.timer = this.clock.setInterval(() => this.tick(), interval);
  }

  /** Something arrived from the peer. O(1), called for every inbound message. */
  seen(): void {
    this.lastSeen = this.clock.now();
  }

  stop(): void {
    if (this.timer === null) return;
    this.clock.clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    const silentMs = this.clock.now() - this.lastSeen;
    if (silentMs >= 2 * this.interval) {
      this.stop();
      this.actions.silent(silentMs);
      return;
    }
    this.actions.ping();
  }
}
