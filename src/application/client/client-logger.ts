import type { Logger, LogLevel } from '../../ports/logger.port';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };
const noop = (): void => {};

/**
 * The client's logger: a user logger is used as is; a level name gives a console logger that
 * drops everything below that level (works in Node and browsers alike).
 */
export function createClientLogger(option: LogLevel | Logger): Logger {
  if (typeof option === 'object' && option !== null) return option;
  const min = RANK[option] ?? RANK.warn;
  const c = globalThis.console;
  return {
    debug: min <= 0 ? c.debug.bind(c) : noop,
    info: min <= 1 ? c.info.bind(c) : noop,
    warn: min <= 2 ? c.warn.bind(c) : noop,
    error: min <= 3 ? c.error.bind(c) : noop,
  };
}
