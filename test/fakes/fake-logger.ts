import type { Logger } from '../../src/ports/logger.port';

/** Records log lines per level. */
export class FakeLogger implements Logger {
  readonly lines: { level: string; message: string; args: unknown[] }[] = [];

  debug(message: string, ...args: unknown[]): void {
    this.lines.push({ level: 'debug', message, args });
  }
  info(message: string, ...args: unknown[]): void {
    this.lines.push({ level: 'info', message, args });
  }
  warn(message: string, ...args: unknown[]): void {
    this.lines.push({ level: 'warn', message, args });
  }
  error(message: string, ...args: unknown[]): void {
    this.lines.push({ level: 'error', message, args });
  }

  at(level: string): string[] {
    return this.lines.filter((l) => l.level === level).map((l) => l.message);
  }
}
