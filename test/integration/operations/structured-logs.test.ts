import { Writable } from 'node:stream';
import pino from 'pino';
import { ServerKit, MODES, until } from '../../helpers/server-kit';
import { DeliveryService } from '../../../src/domain/delivery/delivery.service';
import { MessageSender } from '../../../src/domain/message-sender.service';
import { ClientRegistry } from '../../../src/domain/client-registry.service';
import { RoomRegistry } from '../../../src/domain/room-registry.service';
import { HookRunner } from '../../../src/domain/hook-runner.service';
import { ClientRecord, ClientState } from '../../../src/domain/client-record';
import { MessageType } from '../../../src/domain/message';
import { ServerCounters } from '../../../src/domain/metrics/server-counters';
import { FakeCodec } from '../../fakes/fake-codec';
import { CodecRegistry } from '../../../src/domain/codec-registry';
import { FakeConnection } from '../../fakes/fake-connection';

// Stelar calls a pino logger pino-style: one JSON line per event with fields, errors as `err`
// (pino serialises the stack). A real pino instance writes to an in-memory stream.

type Line = Record<string, any>;

function pinoSink(): { logger: pino.Logger; lines: Line[]; find(msg: string, where?: (l: Line) => boolean): Line | undefined } {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const s of chunk.toString('utf8').split('\n')) if (s.trim() !== '') lines.push(JSON.parse(s) as Line);
      cb();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  return { logger, lines, find: (msg, where = () => true) => lines.find((l) => l.msg === msg && where(l)) };
}

describe('structured logs through pino', () => {
  const kit = new ServerKit();
  afterEach(() => kit.teardown());

  describe.each(MODES)('over %s', (mode) => {
    it('connect, disconnect with code and reason, handler errors with stack', async () => {
      const sink = pinoSink();
      const server = await kit.server({ logger: sink.logger });
      server.on('explode', function explodingHandler() {
        throw new Error('kaboom');
      });
      const c = await kit.connect(server, mode);
      const id = c.getId() as string;
      await until(() => sink.find('client connected') !== undefined);
      expect(sink.find('client connected')).toMatchObject({ level: 30, clientId: id, ip: '127.0.0.1', protocol: mode });

      c.emit('explode', 1);
      await until(() => sink.lines.some((l) => l.level === 50));
      const err = sink.lines.find((l) => l.level === 50) as Line;
      expect(err).toMatchObject({ msg: 'handler for "explode" threw', event: 'explode', clientId: id });
      expect(err.err).toMatchObject({ type: 'Error', message: 'kaboom' });
      expect(err.err.stack).toContain('explodingHandler');

      server.onAck('refuse', async function refusingAck() {
        throw new TypeError('not allowed');
      });
      await expect(c.request('refuse', 1)).rejects.toThrow('not allowed');
      const ackLine = sink.find('ack handler for "refuse" rejected') as Line;
      expect(ackLine).toMatchObject({ level: 40, event: 'refuse', clientId: id });
      expect(ackLine.err).toMatchObject({ type: 'TypeError', message: 'not allowed' });
      expect(ackLine.err.stack).toContain('refusingAck');

      const gone = new Promise<void>((resolve) => c.once('disconnect', () => resolve()));
      expect(server.disconnect(id, 4001, 'bye now')).toBe(true);
      await gone;
      await until(() => sink.find('client disconnected') !== undefined);
      expect(sink.find('disconnecting client')).toMatchObject({ clientId: id, code: 4001, reason: 'bye now' });
      const line = sink.find('client disconnected') as Line;
      expect(line).toMatchObject({ clientId: id, ip: '127.0.0.1', protocol: mode, code: 4001, reason: 'bye now' });
      expect(typeof line.connectedMs).toBe('number');
    });

    it('refusals with their reason', async () => {
      const sink = pinoSink();
      const server = await kit.server({ logger: sink.logger, maxConnections: 1 });
      server.use((ctx, next) => (ctx.headers['x-deny'] === undefined ? next() : undefined));
      await kit.connect(server, mode);
      await expect(kit.connect(server, mode)).rejects.toBeDefined();
      await until(() => sink.find('connection refused') !== undefined);
      expect(sink.find('connection refused')).toMatchObject({
        level: 30,
        ip: '127.0.0.1',
        protocol: mode,
        code: 'STELAR_ERR_SERVER_FULL',
        reason: 'Server is full',
      });
    });
  });

  it('middleware refusals carry the middleware reason', async () => {
    const sink = pinoSink();
    const server = await kit.server({ logger: sink.logger });
    server.use(() => undefined);
    await expect(kit.connect(server, 'ws')).rejects.toBeDefined();
    await until(() => sink.find('connection refused') !== undefined);
    expect(sink.find('connection refused')).toMatchObject({ code: 'STELAR_ERR_UNAUTHORIZED', reason: 'Connection rejected by middleware' });
  });

  it('slow-consumer drops: one line with the buffered bytes and the limit', () => {
    const sink = pinoSink();
    const clients = new ClientRegistry();
    const hooks = new HookRunner(sink.logger);
    const rooms = new RoomRegistry(hooks, { maxRooms: 10, maxRoomsPerClient: 10 });
    const limits = { maxPayloadSize: 100, heartbeatInterval: 0, heartbeatTimeout: 0, connectTimeout: 0, maxBufferedBytes: 1000 };
    const counters = new ServerCounters();
    const sender = new MessageSender(new CodecRegistry([new FakeCodec('ws'), new FakeCodec('tcp')]), clients, rooms, hooks, limits, sink.logger, counters);
    const conn = new FakeConnection('tcp', '10.1.2.3');
    const r = new ClientRecord('slow-1', conn, 0);
    r.state = ClientState.Open;
    clients.add(r);
    conn.bufferedAmount = 5000;
    new DeliveryService(sender.fan, sender, clients, rooms, hooks, sink.logger).broadcast({ type: MessageType.Event, event: 'e', data: 1 });
    expect(conn.terminated).toBe(true);
    expect(counters.slowConsumersDropped).toBe(1);
    expect(sink.lines.find((l) => /^slow consumer: dropping slow-1 \(5000 bytes buffered\)$/.test(l.msg))).toMatchObject({
      level: 40,
      clientId: 'slow-1',
      ip: '10.1.2.3',
      protocol: 'tcp',
      bufferedBytes: 5000,
      maxBufferedBytes: 1000,
    });
  });
});
