export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** The logger users may pass as `logger`; console-compatible. */
export interface Logger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

export const Logger = Symbol.for('stelar.Logger');
