export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/**
 * Structured fields of one log line (`clientId`, `ip`, `protocol`, `code`, `reason`…); an error
 * goes in `err`, as pino expects, so its stack is kept.
 */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * The logger users may pass as `logger`. Stelar calls it pino-style: `info(fields, message)` for
 * its structured lines (connect, disconnect, refusals, slow consumers, handler errors, cluster
 * outages), `info(message)` for the rest. A pino (or bunyan/winston-like) logger — anything with
 * a `child()` method — receives those calls as they are; `console` and other plain loggers get
 * readable lines instead (see logger.factory.ts).
 */
export interface Logger {
  debug(fieldsOrMessage: LogFields | string, ...args: unknown[]): void;
  info(fieldsOrMessage: LogFields | string, ...args: unknown[]): void;
  warn(fieldsOrMessage: LogFields | string, ...args: unknown[]): void;
  error(fieldsOrMessage: LogFields | string, ...args: unknown[]): void;
}

export const Logger = Symbol.for('stelar.Logger');
