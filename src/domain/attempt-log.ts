import type { Clock } from '../ports/clock.port';
import type { Logger } from '../ports/logger.port';
import type { AttemptEnded } from '../ports/transport.port';

/** Shortest gap between two log lines of one code (ms); what falls in between is counted. */
export const ATTEMPT_LOG_INTERVAL_MS = 1000;

/**
 * One log line per code at most every {@link ATTEMPT_LOG_INTERVAL_MS}; the lines in between are
 * counted, and the next line says how many. One entry per code (a handful: codes are
 * StelarErrorCode values), no timer.
 */
export class PerCodeThrottle {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly clock: Clock) {}

  /** -1: do not log this one (counted); otherwise log it, with this many suppressed before it. */
  admit(code: string): number {
    const now = this.clock.now();
    const entry = this.last.get(code);
    if (entry === undefined) {
      this.last.set(code, { at: now, suppressed: 0 });
      return 0;
    }
    if (now - entry.at < ATTEMPT_LOG_INTERVAL_MS) {
      entry.suppressed++;
      return -1;
    }
    const suppressed = entry.suppressed;
    entry.at = now;
    entry.suppressed = 0;
    return suppressed;
  }
}

/**
 * The log of attempts ended at a bound (refused at a cap, handshake or hello deadline passed,
 * malformed handshake…): one warn line per code at most every {@link ATTEMPT_LOG_INTERVAL_MS},
 * the next one saying how many were not logged meanwhile, so an attack cannot turn into a log
 * flood.
 */
export class AttemptLog {
  private readonly throttle: PerCodeThrottle;

  constructor(
    private readonly logger: Logger,
    clock: Clock,
  ) {
    this.throttle = new PerCodeThrottle(clock);
  }

  report(e: AttemptEnded): void {
    const suppressed = this.throttle.admit(e.code);
    if (suppressed < 0) return;
    const more = suppressed > 0 ? ` (+${suppressed} more since the last line)` : '';
    this.logger.warn(
      { ip: e.remoteAddress, protocol: e.protocol, code: e.code, reason: e.reason, suppressed },
      `${e.code}: ${e.reason} (${e.protocol} ${e.remoteAddress || 'unknown address'})${more}`,
    );
  }
}

/**
 * The `connection refused` info line (screening, admission, middleware), throttled the same
 * way per refusal code: a burst of refusals (an address over its cap, a full server) is one line
 * a second per code, with `suppressed` saying how many refusals of that code were not logged
 * since the previous line. Every refusal is still counted (`stelar_connections_refused_total`).
 */
export class RefusalLog {
  private readonly throttle: PerCodeThrottle;

  constructor(
    private readonly logger: Logger,
    clock: Clock,
  ) {
    this.throttle = new PerCodeThrottle(clock);
  }

  report(ip: string, protocol: string, code: string, reason: string): void {
    const suppressed = this.throttle.admit(code);
    if (suppressed < 0) return;
    this.logger.info({ ip, protocol, code, reason, suppressed }, 'connection refused');
  }
}
