import type { Clock } from '../../../src/ports/clock.port';
import type { Logger } from '../../../src/ports/logger.port';
import type { ClientRegistry } from '../../../src/domain/client-registry.service';
import type { CodecRegistry } from '../../../src/domain/codec-registry';
import type { ContextFactory, HandlerContext } from '../../../src/domain/context.types';
import type { Dispatcher } from '../../../src/domain/dispatcher.service';
import { HeartbeatService } from '../../../src/domain/heartbeat.service';
import type { HookRunner } from '../../../src/domain/hook-runner.service';
import { InboundPipeline } from '../../../src/domain/inbound-pipeline.service';
import { MessageRouter } from '../../../src/domain/message-router.service';
import { MessageSender } from '../../../src/domain/message-sender.service';
import { DeliveryService } from '../../../src/domain/delivery/delivery.service';
import { ServerCounters } from '../../../src/domain/metrics/server-counters';
import type { RateLimitPolicy } from '../../../src/domain/rate-limit-policy.service';
import { RequestReplier } from '../../../src/domain/request-replier.service';
import { RequestBound } from '../../../src/domain/request-bound.policy';
import type { RoomRegistry } from '../../../src/domain/room-registry.service';
import type { ServerLimits } from '../../../src/domain/server-limits';
import type { RecoveryService } from '../../../src/domain/recovery/recovery.service';
import { ClientSequencer } from '../../../src/domain/recovery/client-sequencer';

/**
 * The connection service's pipeline stages wired by hand for domain tests, as the composition
 * root (src/application/container.ts) wires them for the server.
 */
export function pipelineStages<C extends HandlerContext>(d: {
  codecs: CodecRegistry;
  clock: Clock;
  logger: Logger;
  clients: ClientRegistry;
  rooms: RoomRegistry;
  hooks: HookRunner;
  rateLimits: RateLimitPolicy;
  dispatcher: Dispatcher<C>;
  contexts: ContextFactory<C>;
  limits: ServerLimits;
  /** Session recovery (the sender records and positions messages). */
  recovery?: RecoveryService;
}) {
  const counters = new ServerCounters();
  const sender = new MessageSender(d.codecs, d.clients, d.rooms, d.hooks, d.limits, d.logger, counters, d.recovery ?? null, d.clock);
  const replier = new RequestReplier(sender, d.logger, counters, d.clock, new RequestBound(d.limits, d.logger, d.clock, counters));
  const sequencer = new ClientSequencer(d.clock, (r, m) => sender.sendTo(r, m), counters);
  const router = new MessageRouter<C>(d.dispatcher, d.contexts, d.rooms, sender, d.logger, replier, sequencer);
  const inbound = new InboundPipeline(d.codecs, d.clock, d.hooks, d.rateLimits, d.limits, router, sender, d.logger, counters);
  const heartbeats = new HeartbeatService(d.clock, d.clients, d.limits, d.logger);
  const delivery = new DeliveryService(sender.fan, sender, d.clients, d.rooms, d.hooks, d.logger, null, d.recovery ?? null, d.clock);
  return { counters, sender, delivery, router, inbound, heartbeats, sequencer };
}
