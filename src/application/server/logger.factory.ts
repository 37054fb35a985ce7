import type { Logger, LogLevel } from '../../ports/logger.port';
import { ConsoleLogger, SilentLogger } from '../../adapters/memory/console-logger.adapter';

/** `logger` option → Logger: a Logger instance as is, a level → console logger, false → silent. */
export function createLogger(option: Logger | LogLevel | false): Logger {
  if (option === false || option === 'silent') return new SilentLogger();
  if (typeof option === 'string') return new ConsoleLogger(option);
  return option;
}
