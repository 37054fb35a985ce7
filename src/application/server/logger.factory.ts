import type { LogFields, Logger, LogLevel } from '../../ports/logger.port';
import { ConsoleLogger, SilentLogger } from '../../adapters/memory/console-logger.adapter';
import { formatLogCall } from '../../adapters/memory/log-line.format';

/**
 * True for pino-style loggers (pino, bunyan, winston…: they have `child()`), which take
 * `info(fields, message)` as it is. `console` and other plain loggers get readable lines.
 */
export function isStructuredLogger(logger: Logger): boolean {
  return typeof (logger as { child?: unknown }).child === 'function' && (logger as unknown) !== console;
}

/** A plain (console-like) user logger fed readable lines for Stelar's structured calls. */
class PlainLogger implements Logger {
  constructor(private readonly target: Logger) {}
  debug(m: LogFields | string, ...a: unknown[]): void {
    this.call('debug', m, a);
  }
  info(m: LogFields | string, ...a: unknown[]): void {
    this.call('info', m, a);
  }
  warn(m: LogFields | string, ...a: unknown[]): void {
    this.call('warn', m, a);
  }
  error(m: LogFields | string, ...a: unknown[]): void {
    this.call('error', m, a);
  }
  private call(level: 'debug' | 'info' | 'warn' | 'error', m: LogFields | string, a: unknown[]): void {
    const { line, rest } = formatLogCall(m, a);
    this.target[level](line, ...rest);
  }
}

/**
 * `logger` option → Logger: a level → console logger, false → silent, a pino-style logger as is,
 * any other logger wrapped so that it receives readable lines.
 */
export function createLogger(option: Logger | LogLevel | false): Logger {
  if (option === false || option === 'silent') return new SilentLogger();
  if (typeof option === 'string') return new ConsoleLogger(option);
  return isStructuredLogger(option) ? option : new PlainLogger(option);
}
