import type { Clock } from '../../ports/clock.port';

/** Since when the server has been running (StelarStats.uptime): 0 while it is not. */
export class Uptime {
  private startedAt: number | null = null;

  constructor(private readonly clock: Clock) {}

  started(): void {
    this.startedAt = this.clock.now();
  }

  stopped(): void {
    this.startedAt = null;
  }

  /** Milliseconds since start(), 0 when not running. */
  ms(): number {
    return this.startedAt === null ? 0 : this.clock.now() - this.startedAt;
  }
}
