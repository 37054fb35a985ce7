import type { Logger, LogLevel } from '../../ports/logger.port';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/** The console methods the logger writes to (injectable for tests). */
export type ConsoleSink = Pick<Console, 'debug' | 'info' | 'warn' | 'error'>;

/** Console logger with a minimum level; every line is prefixed with `[stelar]`. */
export class ConsoleLogger implements Logger {
  private threshold: number;

  constructor(
    level: LogLevel = 'info',
    private readonly sink: ConsoleSink = console,
  ) {
    this.threshold = ConsoleLogger.rank(level);
  }

  setLevel(level: LogLevel): void {
    this.threshold = ConsoleLogger.rank(level);
  }

  debug(message: string, ...args: unknown[]): void {
    if (this.threshold <= RANK.debug) this.sink.debug(`[stelar] ${message}`, ...args);
  }

  info(message: string, ...args: unknown[]): void {
    if (this.threshold <= RANK.info) this.sink.info(`[stelar] ${message}`, ...args);
  }

  warn(message: string, ...args: unknown[]): void {
    if (this.threshold <= RANK.warn) this.sink.warn(`[stelar] ${message}`, ...args);
  }

  error(message: string, ...args: unknown[]): void {
    if (this.threshold <= RANK.error) this.sink.error(`[stelar] ${message}`, ...args);
  }

  private static rank(level: LogLevel): number {
    const r = RANK[level];
    if (r === undefined) throw new RangeError(`Unknown log level "${String(level)}"`);
    return r;
  }
}

/** A logger that drops everything (`logger: false`). */
export class SilentLogger implements Logger {
  debug(): void {}
  info(): void {}
  warn(): void {}
  error(): void {}
}
