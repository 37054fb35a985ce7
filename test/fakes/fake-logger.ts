import type { LogFields, Logger } from '../../src/ports/logger.port';
import { formatLogCall } from '../../src/adapters/memory/log-line.format';

/**
 * Records log lines per level. A structured call (`info({ clientId }, 'client connected')`) is
 * kept with its `fields`, and `message` reads as the console line would
 * (`client connected clientId=…`), so tests can match either.
 */
export class FakeLogger implements Logger {
  readonly lines: { level: string; message: string; args: unknown[]; fields?: LogFields }[] = [];

  debug(message: LogFields | string, ...args: unknown[]): void {
    this.push('debug', message, args);
  }
  info(message: LogFields | string, ...args: unknown[]): void {
    this.push('info', message, args);
  }
  warn(message: LogFields | string, ...args: unknown[]): void {
    this.push('warn', message, args);
  }
  error(message: LogFields | string, ...args: unknown[]): void {
    this.push('error', message, args);
  }

  at(level: string): string[] {
    return this.lines.filter((l) => l.level === level).map((l) => l.message);
  }

  private push(level: string, message: LogFields | string, args: unknown[]): void {
    if (typeof message === 'string') {
      this.lines.push({ level, message, args });
      return;
    }
    this.lines.push({ level, message: formatLogCall(message, args).line, args, fields: message });
  }
}
