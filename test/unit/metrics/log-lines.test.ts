import { ConsoleLogger } from '../../../src/adapters/memory/console-logger.adapter';
import { createLogger, isStructuredLogger } from '../../../src/application/server/logger.factory';
import type { Logger } from '../../../src/ports/logger.port';

function sink() {
  const calls: { level: string; args: unknown[] }[] = [];
  const rec = (level: string) => (...args: unknown[]) => void calls.push({ level, args });
  return { calls, console: { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') } };
}

describe('log lines', () => {
  it('the console logger turns structured calls into readable lines, the Error apart (stack printed)', () => {
    const s = sink();
    const log = new ConsoleLogger('debug', s.console);
    log.info({ clientId: 'c1', ip: '127.0.0.1', protocol: 'ws', reason: 'two words', code: 1000 }, 'client connected');
    const err = new Error('boom');
    log.error({ err, event: 'chat' }, 'handler for "chat" threw');
    log.warn('plain text', 42);
    expect(s.calls[0]).toEqual({ level: 'info', args: ['[stelar] client connected clientId=c1 ip=127.0.0.1 protocol=ws reason="two words" code=1000'] });
    expect(s.calls[1]).toEqual({ level: 'error', args: ['[stelar] handler for "chat" threw err=boom event=chat', err] });
    expect(s.calls[2]).toEqual({ level: 'warn', args: ['[stelar] plain text', 42] });
  });

  it('respects its level for structured calls too', () => {
    const s = sink();
    new ConsoleLogger('warn', s.console).info({ a: 1 }, 'hidden');
    expect(s.calls).toEqual([]);
  });

  it('a pino-style logger (child()) gets the calls as they are; a plain one gets lines', () => {
    const s = sink();
    const structured = { ...s.console, child: () => structured } as unknown as Logger;
    expect(isStructuredLogger(structured)).toBe(true);
    expect(createLogger(structured)).toBe(structured);
    expect(isStructuredLogger(console)).toBe(false);

    const plain = sink();
    const wrapped = createLogger(plain.console as unknown as Logger);
    wrapped.info({ clientId: 'x' }, 'client connected');
    wrapped.info('as is');
    expect(plain.calls).toEqual([
      { level: 'info', args: ['client connected clientId=x'] },
      { level: 'info', args: ['as is'] },
    ]);
  });
});
