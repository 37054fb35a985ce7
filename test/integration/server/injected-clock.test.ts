import * as net from 'node:net';
import { StelarServer } from '../../../src/application/server/stelar-server';
import { TOKENS } from '../../../src/ports';
import type { Transport } from '../../../src/ports/transport.port';
import { UpgradeRouter } from '../../../src/adapters/http/upgrade-router';
import { OwnPortListener } from '../../../src/adapters/http/own-port.listener';
import type { TcpServerTransport } from '../../../src/adapters/tcp/tcp-server-transport';
import type { WsServerTransport } from '../../../src/adapters/websocket/ws-server-transport';
import { MessageType } from '../../../src/domain/message';
import { CloseCode, StelarErrorCode } from '../../../src/domain/errors';
import { FakeClock } from '../../fakes/fake-clock';
import { RawTcpClient } from '../tcp/raw-tcp-client';
import { until } from '../tcp/tcp-test-kit';

// Far beyond the test timeout: only the fake clock can make these deadlines fire.
const CONNECT_TIMEOUT = 60_000;

describe('the container Clock reaches the transports (rebinding TOKENS.Clock via configure)', () => {
  let server: StelarServer;
  let clock: FakeClock;
  const sockets: net.Socket[] = [];

  let httpParser: 'stelar' | 'node' = 'stelar';

  beforeEach(async () => {
    clock = new FakeClock();
    server = new StelarServer(
      { port: 0, host: '127.0.0.1', tcpPort: 0, logger: false, gracefulShutdown: false, connectTimeout: CONNECT_TIMEOUT, httpParser },
      { configure: (k) => void k.rebind(TOKENS.Clock).toConstantValue(clock) },
    );
    await server.start();
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await server.stop();
  });

  function transport<T extends Transport>(protocol: string): T {
    return server.container.getAll<Transport>(TOKENS.Transport).find((t) => t.protocol === protocol) as T;
  }

  it('a TCP socket without its Connect hello is failed when the fake clock passes connectTimeout', async () => {
    const tcp = transport<TcpServerTransport>('tcp');
    const raw = new RawTcpClient(server.getTcpPort() as number);
    sockets.push(raw.socket);
    await raw.connected;
    await until(() => tcp.pendingCount() === 1);
    expect(clock.timeoutDelays).toContain(CONNECT_TIMEOUT);

    clock.advance(CONNECT_TIMEOUT - 1);
    expect(tcp.pendingCount()).toBe(1);
    clock.advance(1);
    expect(tcp.pendingCount()).toBe(0);

    const [error, disconnect] = await raw.waitFor(2);
    expect(error).toMatchObject({ type: MessageType.Error, code: StelarErrorCode.ConnectTimeout });
    expect(disconnect).toMatchObject({ type: MessageType.Disconnect, code: CloseCode.PolicyViolation });
    await raw.closed;
  });

  it.each(['stelar', 'node'] as const)('httpParser %s: a socket that never sends its HTTP upgrade request is destroyed when the fake clock passes connectTimeout', async (parser) => {
    if (parser !== httpParser) {
      // The server of this case: rebuilt with the parser under test.
      await server.stop();
      httpParser = parser;
      clock = new FakeClock();
      server = new StelarServer(
        { port: 0, host: '127.0.0.1', tcpPort: 0, logger: false, gracefulShutdown: false, connectTimeout: CONNECT_TIMEOUT, httpParser },
        { configure: (k) => void k.rebind(TOKENS.Clock).toConstantValue(clock) },
      );
      await server.start();
    }
    const ws = transport<WsServerTransport>('ws');
    const own = ws.httpServer();
    const waiting =
      own instanceof OwnPortListener
        ? { get size() { return own.pendingCount; } }
        : (UpgradeRouter.for(own as never, true, CONNECT_TIMEOUT) as unknown as { waiting: { size: number } }).waiting;
    const socket = net.connect({ host: '127.0.0.1', port: server.getPort() });
    sockets.push(socket);
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await until(() => waiting.size === 1);
    expect(clock.timeoutDelays).toContain(CONNECT_TIMEOUT);

    clock.advance(CONNECT_TIMEOUT - 1);
    expect(waiting.size).toBe(1);
    clock.advance(1);
    expect(waiting.size).toBe(0);
    await closed;
    expect(socket.bytesRead).toBe(0);
  });
});
