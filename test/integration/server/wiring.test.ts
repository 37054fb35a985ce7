import { StelarServer, TOKENS, type Transport } from '../../../src';
import { FakeLogger } from '../../fakes/fake-logger';
import { OwnPortListener } from '../../../src/adapters/http/own-port.listener';

// The composition root over real sockets: what the plug-in modules inject into the listeners.
describe('transport plug-ins, wired', () => {
  it('the built-in listeners get the Logger injected: an error after listen() is logged, not thrown', async () => {
    const logger = new FakeLogger();
    const server = new StelarServer({ gracefulShutdown: false, logger, port: 0, host: '127.0.0.1', tcpPort: 0 });
    await server.start();
    try {
      for (const t of server.container.getAll<Transport>(TOKENS.Transport)) {
        // The WebSocket transport listens on its own-port listener's net.Server; TCP on its own.
        const front = (t as unknown as { httpServer?: () => unknown }).httpServer?.();
        const listener = front instanceof OwnPortListener ? front : (t as unknown as { server: unknown });
        (listener as { server: { emit(e: string, err: Error): boolean } }).server.emit('error', new Error(`boom ${t.protocol}`));
      }
      expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
        'WebSocket listener error: boom ws',
        'TCP listener error: boom tcp',
      ]);
    } finally {
      await server.stop();
    }
  });

});
