/**
 * Every Stelar metric: name, help, type, labels, and how to read it from a {@link MetricsSource}
 * at scrape time. docs/OPERATIONS.md documents the same list (test/unit/metrics checks that it
 * does). Names follow the Prometheus conventions: `stelar_` prefix, `_total` on counters, base
 * units (bytes, seconds).
 */
import type { MetricsSource } from '../../ports/metrics.port';
import type { ClusterBusCounters } from '../../ports/cluster-bus.port';
import type { BucketHistogram } from '../../domain/metrics/bucket-histogram';
import type { TrafficCounters } from '../../domain/metrics/server-counters';

export type Labels = Record<string, string>;
export interface Sample {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

export type MetricDef =
  | {
      readonly name: string;
      readonly help: string;
      readonly kind: 'counter' | 'gauge';
      readonly labels: readonly string[];
      readonly samples: (s: MetricsSource) => Iterable<[Labels, number]>;
    }
  | {
      readonly name: string;
      readonly help: string;
      readonly kind: 'histogram';
      readonly histogram: (s: MetricsSource) => BucketHistogram;
      /** Multiplier from the domain's unit (ms) to the metric's (s). */
      readonly scale: number;
    };

const NONE: Labels = {};

function* one(value: number): Iterable<[Labels, number]> {
  yield [NONE, value];
}

function* perProtocol(s: MetricsSource, field: Exclude<keyof TrafficCounters, 'protocol'>): Iterable<[Labels, number]> {
  for (const t of s.counters.protocols()) yield [{ protocol: t.protocol }, t[field]];
}

function* perKey(map: ReadonlyMap<string, number>, label: string): Iterable<[Labels, number]> {
  for (const [k, v] of map) yield [{ [label]: k }, v];
}

function* cluster(s: MetricsSource, field: keyof ClusterBusCounters): Iterable<[Labels, number]> {
  const c = s.cluster();
  const v = c?.[field];
  if (v !== undefined) yield [NONE, v];
}

const counter = (name: string, help: string, labels: readonly string[], samples: (s: MetricsSource) => Iterable<[Labels, number]>): MetricDef => ({
  name,
  help,
  kind: 'counter',
  labels,
  samples,
});
const gauge = (name: string, help: string, labels: readonly string[], samples: (s: MetricsSource) => Iterable<[Labels, number]>): MetricDef => ({
  name,
  help,
  kind: 'gauge',
  labels,
  samples,
});

export const METRIC_DEFS: readonly MetricDef[] = [
  gauge('stelar_connections', 'Connected (admitted) clients.', ['protocol'], function* (s) {
    for (const c of s.connections()) yield [{ protocol: c.protocol }, c.count];
  }),
  gauge('stelar_connections_admitting', 'Connections running their connection middleware.', [], (s) => one(s.admitting())),
  counter('stelar_connections_opened_total', 'Clients admitted.', ['protocol'], (s) => perProtocol(s, 'connectionsOpened')),
  counter('stelar_connections_closed_total', 'Admitted clients that disconnected (any cause).', ['protocol'], (s) =>
    perProtocol(s, 'connectionsClosed'),
  ),
  counter('stelar_connections_refused_total', 'Connection attempts refused, by reason code.', ['reason'], (s) =>
    perKey(s.counters.refused, 'reason'),
  ),
  counter('stelar_recovery_total', 'Session recovery outcomes of clients that offered a session, by outcome.', ['outcome'], (s) =>
    perKey(s.counters.recovery, 'outcome'),
  ),
  counter('stelar_recovery_duplicates_total', 'Re-sent client messages dropped as already processed (session recovery, at most once).', [], (s) =>
    one(s.counters.recoveryDuplicates),
  ),
  counter('stelar_recovery_cached_answers_total', 'Re-sent requests answered from the session answer cache (handler not run again).', [], (s) =>
    one(s.counters.answersFromCache),
  ),
  counter('stelar_messages_received_total', 'Application messages received from clients.', ['protocol'], (s) =>
    perProtocol(s, 'messagesIn'),
  ),
  counter('stelar_messages_sent_total', 'Messages written to clients (a broadcast to N counts N).', ['protocol'], (s) =>
    perProtocol(s, 'messagesOut'),
  ),
  counter('stelar_received_bytes_total', 'Message bytes received (bodies before decoding, without framing).', ['protocol'], (s) =>
    perProtocol(s, 'bytesIn'),
  ),
  counter('stelar_sent_bytes_total', 'Message bytes written (encoded bodies, one per recipient, without framing).', ['protocol'], (s) =>
    perProtocol(s, 'bytesOut'),
  ),
  counter('stelar_ack_requests_total', 'Requests (client.request) received.', [], (s) => one(s.counters.acks.requests)),
  counter('stelar_ack_responses_total', 'Requests answered, by outcome (answered, error, undelivered).', ['outcome'], function* (s) {
    const a = s.counters.acks;
    yield [{ outcome: 'answered' }, a.answered];
    yield [{ outcome: 'error' }, a.errors];
    yield [{ outcome: 'undelivered' }, a.undelivered];
  }),
  gauge('stelar_ack_pending', 'Requests received and not answered yet (the server sets no deadline on a handler).', [], (s) =>
    one(s.counters.acks.pending),
  ),
  {
    name: 'stelar_ack_handler_duration_seconds',
    help: 'Time from a request arriving to its answer being written.',
    kind: 'histogram',
    histogram: (s) => s.counters.acks.duration,
    scale: 1 / 1000,
  },
  gauge('stelar_rooms', 'Rooms with at least one member.', [], (s) => one(s.rooms())),
  gauge('stelar_room_members', 'Room memberships (a client in 3 rooms counts 3).', [], (s) => one(s.roomMembers())),
  counter('stelar_broadcasts_total', 'Fan-out sends (broadcast, room, cluster delivery).', [], (s) => one(s.counters.broadcasts)),
  counter('stelar_broadcast_deliveries_total', 'Messages written by fan-out sends.', [], (s) => one(s.counters.deliveries)),
  counter('stelar_rate_limited_messages_total', 'Inbound messages over a rate limit.', [], (s) => one(s.counters.rateLimited)),
  counter('stelar_invalid_messages_total', 'Invalid inbound messages, by error code.', ['code'], (s) => perKey(s.counters.invalid, 'code')),
  counter('stelar_slow_consumers_dropped_total', 'Clients dropped for a send buffer over maxBufferedBytes.', [], (s) =>
    one(s.counters.slowConsumersDropped),
  ),
  counter('stelar_admin_disconnects_total', 'Clients closed by server.disconnect / ctx.disconnect / the dashboard.', [], (s) =>
    one(s.counters.adminDisconnects),
  ),
  gauge('stelar_send_buffer_bytes', 'Bytes waiting in the send buffers of all connections.', [], (s) => one(s.sendBufferBytes())),
  {
    name: 'stelar_event_loop_lag_seconds',
    help: 'Event-loop lag, sampled every 100 ms.',
    kind: 'histogram',
    histogram: (s) => s.eventLoopLag,
    scale: 1 / 1000,
  },
  counter('stelar_cluster_publishes_total', 'Deliveries published to the cluster bus (acknowledged by Redis).', [], (s) => cluster(s, 'published')),
  counter('stelar_cluster_receives_total', 'Deliveries received from other nodes.', [], (s) => cluster(s, 'received')),
  counter('stelar_cluster_dropped_total', 'Deliveries dropped while Redis was unavailable.', [], (s) => cluster(s, 'dropped')),
  counter('stelar_cluster_invalid_total', 'Malformed cluster messages ignored.', [], (s) => cluster(s, 'invalid')),
  counter('stelar_cluster_query_timeouts_total', 'Cluster queries a live node did not answer in time.', [], (s) =>
    cluster(s, 'queryTimeouts'),
  ),
  counter('stelar_cluster_redis_reconnects_total', 'Redis connections that came back after an outage.', [], (s) =>
    cluster(s, 'reconnects'),
  ),
  counter('stelar_cluster_missed_total', 'Deliveries other nodes sent that never reached this node.', [], (s) =>
    cluster(s, 'missed'),
  ),
  counter('stelar_cluster_undeliverable_total', 'Direct sends to a client no live node holds.', [], (s) =>
    cluster(s, 'undeliverable'),
  ),
  gauge('stelar_cluster_outbound_queued', 'Deliveries held in the bounded outbound queue.', [], (s) => cluster(s, 'queued')),
  gauge('stelar_cluster_rooms_subscribed', 'Room channels this node subscribes to (interest routing).', [], (s) =>
    cluster(s, 'roomsSubscribed'),
  ),
];
