import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/** Where handshake shedding reads the event-loop lag from (a fake in tests). */
export interface LagSource {
  /** The current event-loop lag in ms (0 when the loop keeps up). */
  lagMs(): number;
  /** Starts measuring (reference-counted); every acquire is paired with one release. */
  acquire(): void;
  release(): void;
}

/** How often the process-wide monitor ticks (ms). */
export const LAG_TICK_MS = 50;

/**
 * Lag counts only while this process kept its loop busy (event-loop utilisation over the last
 * tick at least this): a late timer in a process that was mostly waiting for I/O is the
 * machine's load (other processes on the cores), not work this server can shed.
 */
export const BUSY_UTILISATION = 0.8;

/**
 * The event-loop lag of this process, measured by one unref'd 50 ms timer however many
 * listeners read it (reference-counted: the timer runs while one listener is acquired). The lag
 * is the lateness of the last tick, or, when the next tick is already overdue (the loop is busy
 * right now), how overdue it is: a busy loop is seen at once, not only after it frees up. Both
 * count only while the loop was busy over the last tick ({@link BUSY_UTILISATION}).
 */
class ProcessLagMonitor implements LagSource {
  private users = 0;
  private timer: NodeJS.Timeout | null = null;
  private expected = 0;
  private last = 0;
  private busy = false;
  private elu: EventLoopUtilization | null = null;

  lagMs(): number {
    if (this.timer === null || !this.busy) return 0;
    const overdue = performance.now() - this.expected;
    return overdue > this.last ? overdue : this.last;
  }

  acquire(): void {
    if (this.users++ > 0) return;
    this.last = 0;
    this.busy = false;
    this.elu = performance.eventLoopUtilization();
    this.expected = performance.now() + LAG_TICK_MS;
    this.timer = setInterval(this.tick, LAG_TICK_MS);
    this.timer.unref();
  }

  release(): void {
    if (this.users === 0 || --this.users > 0) return;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.last = 0;
    this.busy = false;
  }

  private readonly tick = (): void => {
    const now = performance.now();
    const late = now - this.expected;
    const elu = performance.eventLoopUtilization();
    this.busy = this.elu === null || performance.eventLoopUtilization(elu, this.elu).utilization >= BUSY_UTILISATION;
    this.elu = elu;
    this.last = late > 0 && this.busy ? late : 0;
    this.expected = now + LAG_TICK_MS;
  };
}

/** The one monitor of this process. */
export const PROCESS_LAG: LagSource = new ProcessLagMonitor();
