import type { Clock } from '../ports/clock.port';
import type { IdGenerator } from '../ports/id-generator.port';
import type { Logger } from '../ports/logger.port';
import type { AdmissionService } from './admission.service';
import type { ClientRegistry } from './client-registry.service';
import type { ContextFactory, HandlerContext } from './context.types';
import type { Dispatcher } from './dispatcher.service';
import type { HookRunner } from './hook-runner.service';
import type { MessageSender } from './message-sender.service';
import type { DeliveryService } from './delivery/delivery.service';
import type { RateLimitPolicy } from './rate-limit-policy.service';
import type { RoomRegistry } from './room-registry.service';
import type { CodecRegistry } from './codec-registry';
import type { HeartbeatService } from './heartbeat.service';
import type { InboundPipeline } from './inbound-pipeline.service';
import type { MessageRouter } from './message-router.service';
import type { ServerLimits } from './server-limits';
import type { RecoveryService } from './recovery/recovery.service';
import type { ClientSequencer } from './recovery/client-sequencer';
import type { ServerCounters } from './metrics/server-counters';

/** Everything the connection service is built from; it builds nothing itself (the composition root supplies it). */
export interface ConnectionServiceDeps<C extends HandlerContext = HandlerContext> {
  readonly codecs: CodecRegistry;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
  readonly clients: ClientRegistry;
  readonly rooms: RoomRegistry;
  readonly rateLimits: RateLimitPolicy;
  readonly admission: AdmissionService;
  readonly hooks: HookRunner;
  readonly dispatcher: Dispatcher<C>;
  /** Builds handler contexts (the connection context here, message contexts in the router). */
  readonly contexts: ContextFactory<C>;
  /** Read on every use: mutate it (or call updateLimits) to change limits live. */
  readonly limits: ServerLimits;
  /** The pipeline stages, each bound by the composition root (or built by a test's harness). */
  readonly sender: MessageSender;
  /** Server → many: where a fan-out goes (local, recovery, cluster), over the sender's writer. */
  readonly delivery: DeliveryService;
  readonly router: MessageRouter<C>;
  readonly inbound: InboundPipeline;
  readonly heartbeats: HeartbeatService;
  /** The counters every stage counts into. */
  readonly counters: ServerCounters;
  /** Session recovery; absent or disabled: connections never hold a session. */
  readonly recovery?: RecoveryService;
  /** Client → server recovery's confirmations (its timer is cleared by dispose()). */
  readonly sequencer?: ClientSequencer;
}

/** The numbers of StelarStats the domain knows (everything except memoryUsage). */
export interface DomainStats {
  totalConnections: number;
  activeConnections: number;
  totalMessagesReceived: number;
  totalMessagesSent: number;
  totalRooms: number;
  uptime: number;
  rateLimiterEntries: number;
  /** Handshakes shed under load since start (too many in progress, or the event loop behind): `STELAR_ERR_SERVER_BUSY`. */
  handshakesShed: number;
  /** Sockets whose peer had left before their handshake was worked on (not handshaked): `STELAR_ERR_PEER_GONE`. */
  handshakesPeerGone: number;
  /** `<protocol>Connections` (`wsConnections`, `tcpConnections`…) for every registered protocol. */
  [perProtocol: `${string}Connections`]: number;
}
