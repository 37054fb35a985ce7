import { pipelineStages } from './pipeline-stages';
import { CodecRegistry } from '../../../src/domain/codec-registry';
import { AdmissionService } from '../../../src/domain/admission.service';
import { ClientRegistry } from '../../../src/domain/client-registry.service';
import { ConnectionService } from '../../../src/domain/connection.service';
import { Dispatcher } from '../../../src/domain/dispatcher.service';
import { HookRunner } from '../../../src/domain/hook-runner.service';
import type { StelarHooks } from '../../../src/domain/hooks.types';
import { RateLimitPolicy, type RateLimitOptions } from '../../../src/domain/rate-limit-policy.service';
import { RoomRegistry } from '../../../src/domain/room-registry.service';
import type { ServerLimits } from '../../../src/domain/server-limits';
import type { StelarMessage } from '../../../src/domain/message';
import type { IdGenerator } from '../../../src/ports/id-generator.port';
import { FakeClock } from '../../fakes/fake-clock';
import { FakeCodec } from '../../fakes/fake-codec';
import { FakeConnection } from '../../fakes/fake-connection';
import { FakeContextFactory, type FakeContext } from '../../fakes/fake-context-factory';
import { SequentialIdGenerator } from '../../fakes/fake-id-generator';
import { FakeIPTracker } from '../../fakes/fake-ip-tracker';
import { FakeLogger } from '../../fakes/fake-logger';
import { FakeRateLimiterFactory } from '../../fakes/fake-rate-limiter';
import { FakeSessionStore, FakeTokenGenerator, fakeEpochs } from '../../fakes/fake-recovery-stores';
import { MemoryStreamStore } from '../../../src/adapters/memory/memory-stream-store.adapter';
import { resolveRecovery } from '../../../src/domain/recovery/recovery-config';
import { RecoveryService } from '../../../src/domain/recovery/recovery.service';

export interface HarnessOptions {
  limits?: Partial<ServerLimits>;
  rate?: RateLimitOptions;
  hooks?: StelarHooks;
  maxConnections?: number;
  maxRooms?: number;
  maxRoomsPerClient?: number;
  tracker?: FakeIPTracker;
  ids?: IdGenerator;
  /** Session recovery on (memory stream store, fake session store and tokens). */
  recovery?: boolean;
}

/** A ConnectionService wired entirely from fakes. */
export function harness(opts: HarnessOptions = {}) {
  const clock = new FakeClock();
  const logger = new FakeLogger();
  const codecs = { ws: new FakeCodec('ws'), tcp: new FakeCodec('tcp') };
  const clients = new ClientRegistry();
  const hooks = new HookRunner(logger, opts.hooks ?? {});
  const rooms = new RoomRegistry(hooks, { maxRooms: opts.maxRooms ?? 100, maxRoomsPerClient: opts.maxRoomsPerClient ?? 10 });
  const limiterFactory = new FakeRateLimiterFactory();
  const rateLimits = new RateLimitPolicy(limiterFactory, opts.rate ?? { rateLimit: false });
  const tracker = opts.tracker ?? new FakeIPTracker();
  const admission = new AdmissionService(clients, tracker, hooks, logger, { maxConnections: opts.maxConnections ?? 100 });
  const dispatcher = new Dispatcher<FakeContext>(clock, logger);
  const contexts = new FakeContextFactory();
  const limits: ServerLimits = {
    maxPayloadSize: 1024,
    heartbeatInterval: 1000,
    heartbeatTimeout: 3000,
    connectTimeout: 5000,
    maxBufferedBytes: 10_000,
    maxRequestsInFlight: 1024,
    ...opts.limits,
  };
  const registry = new CodecRegistry(Object.values(codecs));
  let recovery: RecoveryService | undefined;
  if (opts.recovery === true) {
    const config = resolveRecovery(true);
    recovery = new RecoveryService(config, new FakeSessionStore(), new MemoryStreamStore(config, fakeEpochs()), new FakeTokenGenerator(), '/', (r) => rooms.has(r));
  }
  const stages = pipelineStages<FakeContext>({ codecs: registry, clock, logger, clients, rooms, hooks, rateLimits, dispatcher, contexts, limits, recovery });
  const service = new ConnectionService<FakeContext>({
    codecs: registry, clock, ids: opts.ids ?? new SequentialIdGenerator(), logger, clients, rooms, rateLimits, admission, hooks, dispatcher, contexts, limits,
    recovery,
    ...stages,
  });

  /** Accepts a connection and lets the (empty or sync) middleware chain finish. */
  async function connect(protocol: 'ws' | 'tcp' = 'ws', ip = '10.0.0.1'): Promise<FakeConnection> {
    const conn = new FakeConnection(protocol, ip);
    service.accept(conn);
    await settle();
    return conn;
  }

  /** Lets promises and 0 ms fake timers run. */
  async function settle(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((r) => setImmediate(r));
      clock.advance(0);
    }
  }

  function send(conn: FakeConnection, msg: StelarMessage): void {
    conn.receive(FakeCodec.bytes(msg), msg.type === 1);
  }

  return {
    clock, logger, codecs, clients, hooks, rooms, limiterFactory, rateLimits, tracker, admission, dispatcher, contexts, limits, service,
    connect, settle, send,
  };
}
