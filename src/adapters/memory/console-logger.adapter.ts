import type { LogFields, Logger, LogLevel } from '../../ports/logger.port';
import { formatLogCall } from './log-line.format';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/** The console methods the logger writes to (injectable for tests). */
export type ConsoleSink = Pick<Console, 'debug' | 'info' | 'warn' | 'error'>;

/**
 * Console logger with a minimum level; every line is prefixed with `[stelar]`. Structured calls
 * (`info({ clientId, ip }, 'client connected')`) read as `[stelar] client connected clientId=… ip=…`;
 * an `err` field is handed to the console as well, so its stack is printed.
 */
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

  debug(message: LogFields | string, ...args: unknown[]): void {
    if (this.threshold <= RANK.debug) this.write('debug', message, args);
  }

  info(message: LogFields | string, ...args: unknown[]): void {
    if (this.threshold <= RANK.info) this.write('info', message, args);
  }

  warn(message: LogFields | string, ...args: unknown[]): void {
    if (this.threshold <= RANK.warn) this.write('warn', message, args);
  }

  error(message: LogFields | string, ...args: unknown[]): void {
    if (this.threshold <= RANK.error) this.write('error', message, args);
  }

  private write(level: 'debug' | 'info' | 'warn' | 'error', message: LogFields | string, args: unknown[]): void {
    const { line, rest } = formatLogCall(message, args);
    this.sink[level](`[stelar] ${line}`, ...rest);
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
