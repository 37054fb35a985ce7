import type { Clock } from '../ports/clock.port';
import type { Logger } from '../ports/logger.port';
import type { AttemptEnded } from '../ports/transport.port';

/** Shortest gap between two log lines of one code (ms); what falls in between is counted. */
export const ATTEMPT_LOG_INTERVAL_MS = 1000;

/**
 * The log of attempts ended at a bound (refused at a cap, handshake or hello deadline passed…):
 * one warn line per code at most every {@link ATTEMPT_LOG_INTERVAL_MS}, the next one saying how
 * many were not logged meanwhile, so an attack cannot turn into a log flood. One entry per code
 * (a handful), no timer.
 */
export class AttemptLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  report(e: AttemptEnded): void {
    const now = this.clock.now();
    const entry = this.last.get(e.code);
    if (entry !== undefined && now - entry.at < ATTEMPT_LOG_INTERVAL_MS) {
      entry.suppressed++;
      return;
    }
    const suppressed = entry !== undefined ? entry.suppressed : 0;
    const more = suppressed > 0 ? ` (+${suppressed} more since the last line)` : '';
    this.logger.warn(
      { ip: e.remoteAddress, protocol: e.protocol, code: e.code, reason: e.reason, suppressed },
      `${e.code}: ${e.reason} (${e.protocol} ${e.remoteAddress || 'unknown address'})${more}`,
    );
    this.last.set(e.code, { at: now, suppressed: 0 });
  }
}
