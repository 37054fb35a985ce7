import type { Container } from 'inversify';
import { TOKENS } from '../../../ports';
import type { ClusterBus } from '../../../ports/cluster-bus.port';
import type { Logger } from '../../../ports/logger.port';
import { MetricsExporterFactory } from '../../../ports/metrics.port';
import type { ClientRegistry } from '../../../domain/client-registry.service';
import type { ConnectionService } from '../../../domain/connection.service';
import { ServerCounters } from '../../../domain/metrics/server-counters';
import type { CodecRegistry } from '../../../domain/codec-registry';
import type { RoomRegistry } from '../../../domain/room-registry.service';
import { EventLoopLagSampler } from '../../../adapters/metrics/event-loop-lag.sampler';
import { APP_TOKENS } from '../app-tokens';
import type { ResolvedOptions } from '../server-options';
import type { ServerMessaging } from '../server-messaging.service';
import type { StelarContext } from '../server-types';
import type { DashboardHostFactory, DashboardTarget } from './dashboard.service';
import { ServerMetricsSource } from './metrics-source';
import { ServerOperations } from './server-operations';

/**
 * Binds the operations concern: the counters the domain counts into (`APP_TOKENS.Counters`) and
 * the metrics route / dashboard / lag sampler (`APP_TOKENS.Operations`). Binding the
 * `MetricsExporterFactory` port (ports/metrics.port.ts) replaces the prom-client exporter.
 * `createHost` builds the dashboard's own server (a StelarServer, handed in by StelarServer so
 * that this module does not import its importer); needed only with the `dashboard` option.
 */
export function bindOperations(c: Container, o: ResolvedOptions, createHost: DashboardHostFactory = noDashboardHost): void {
  // One traffic entry per installed transport from the start, so every `protocol` series exists
  // (at 0) before the first connection: alerts and rate() see them.
  c.bind(APP_TOKENS.Counters).toResolvedValue(
    (codecs: CodecRegistry) => {
      const counters = new ServerCounters();
      for (const protocol of codecs.protocols()) counters.traffic(protocol);
      return counters;
    },
    [APP_TOKENS.Codecs],
  );
  c.bind(APP_TOKENS.Operations).toResolvedValue(
    (
      counters: ServerCounters,
      clients: ClientRegistry,
      rooms: RoomRegistry,
      bus: ClusterBus,
      logger: Logger,
      conns: ConnectionService<StelarContext>,
      messaging: ServerMessaging,
      exporterFactory: MetricsExporterFactory | undefined,
    ) => {
      const sampler = new EventLoopLagSampler();
      const source = new ServerMetricsSource({
        namespace: o.namespace,
        counters,
        eventLoopLag: sampler.histogram,
        clients,
        rooms,
        bus,
        admitting: () => conns.admittingCount,
      });
      const target: DashboardTarget = {
        namespace: o.namespace,
        source,
        sampler,
        rooms,
        bus,
        clients: () => clients.values(),
        disconnect: (id, code, reason) => messaging.disconnect(id, code, reason),
        removeFromRoom: (id, room) => messaging.removeFromRoom(id, room),
        sendTest: (room, event, data) => (room === null ? messaging.broadcast(event, data) : messaging.to(room, event, data)),
      };
      return new ServerOperations({ metrics: o.metrics, dashboard: o.dashboard, source, sampler, logger, target, createHost, exporterFactory });
    },
    [
      APP_TOKENS.Counters,
      APP_TOKENS.ClientRegistry,
      APP_TOKENS.RoomRegistry,
      TOKENS.ClusterBus,
      TOKENS.Logger,
      APP_TOKENS.ConnectionService,
      APP_TOKENS.Messaging,
      // Optional: bind your own exporter (another format or library) instead of prom-client's.
      { serviceIdentifier: MetricsExporterFactory, optional: true },
    ],
  );
}

/** No host factory given (a container built without StelarServer): the dashboard cannot start. */
function noDashboardHost(): never {
  throw new TypeError('the dashboard needs its host: createStelarContainer(options, configure, transports, createHost)');
}
