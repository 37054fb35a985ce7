/**
 * Everything the subscriber receives, routed by envelope type: self-probes back to the
 * watchdog, this node's own traffic skipped unparsed, disconnect requests to the local state,
 * deliveries (sequence-checked) to the domain — one by one from a batch envelope, in order —,
 * queries and replies to the query service.
 * Malformed envelopes are counted and ignored; a throwing handler is logged, never rethrown.
 */
import type { ClusterDeliveryHandler, ClusterStateProvider } from '../../ports/cluster-bus.port';
import type { Logger } from '../../ports/logger.port';
import { type DeliveryEnvelope, decodeBatch, isBatchEnvelope } from './cluster-batch.codec';
import { decodeControl, isControlEnvelope } from './cluster-control.codec';
import { type ClusterEnvelope, EnvelopeType, decodeEnvelope, isFromOrigin } from './cluster-envelope.codec';
import type { ClusterQueryService } from './cluster-query.service';
import type { DeliveryGapTracker } from './delivery-gap.tracker';
import type { SubscriberProbeWatchdog } from './subscriber-probe.watchdog';

/** What the dispatcher needs from the bus. */
export interface InboundDeps {
  readonly nodeIdBytes: Buffer;
  readonly logger: Logger;
  readonly gaps: DeliveryGapTracker;
  readonly queries: ClusterQueryService;
  readonly probe: SubscriberProbeWatchdog;
  /** This node's state while started (undefined otherwise). */
  state(): ClusterStateProvider | undefined;
  /** The domain's delivery handler (a no-op before start() and after stop()). */
  readonly deliver: ClusterDeliveryHandler;
}

/** Gap-tracker keys of the broadcast and direct channels (room keys are the room names). */
const ALL_KEY = '\0all';
const DIRECT_KEY = '\0direct';

export class ClusterInboundDispatcher {
  /** Deliveries received from other nodes. */
  received = 0;
  /** Malformed envelopes ignored. */
  invalid = 0;

  constructor(private readonly d: InboundDeps) {}

  /** The subscriber's `(channel, message)` listener (bound once: no per-message closures). */
  readonly onMessage = (_channel: Buffer, message: Buffer): void => {
    const d = this.d;
    if (message[1] === EnvelopeType.Probe) {
      if (isFromOrigin(message, d.nodeIdBytes) && message.byteLength >= 4) d.probe.probeReturned(message);
      return;
    }
    // Our own deliveries and queries come back through the subscription: skip them unparsed.
    if (isFromOrigin(message, d.nodeIdBytes)) return;
    if (isControlEnvelope(message)) return this.onControl(message);
    if (isBatchEnvelope(message)) return this.onBatch(message);
    let env: ClusterEnvelope;
    try {
      env = decodeEnvelope(message);
    } catch (err) {
      this.invalid++;
      d.logger.warn(`[stelar:cluster] ${msg(err)}`);
      return;
    }
    if (env.type === EnvelopeType.Delivery) {
      this.onDelivery(env);
    } else if (env.type === EnvelopeType.Query) {
      d.queries.answer(env);
    } else if (env.type === EnvelopeType.Reply) {
      d.queries.reply(env);
    }
  };

  private onDelivery(env: DeliveryEnvelope): void {
    const d = this.d;
    this.received++;
    const t = env.delivery.target;
    d.gaps.observe(t.kind === 'room' ? t.room : t.kind === 'all' ? ALL_KEY : DIRECT_KEY, env.origin, env.seq);
    try {
      d.deliver(env.delivery);
    } catch (err) {
      d.logger.error(`[stelar:cluster] delivery handler threw: ${msg(err)}`);
    }
  }

  /** A batch is decoded whole first: a malformed one delivers nothing (counted once). */
  private onBatch(message: Buffer): void {
    let batch: DeliveryEnvelope[];
    try {
      batch = decodeBatch(message);
    } catch (err) {
      this.invalid++;
      this.d.logger.warn(`[stelar:cluster] ${msg(err)}`);
      return;
    }
    for (let i = 0; i < batch.length; i++) this.onDelivery(batch[i]);
  }

  private onControl(message: Buffer): void {
    const cmd = decodeControl(message);
    if (cmd === null) {
      this.invalid++;
      return;
    }
    try {
      if ('sessionTaken' in cmd) {
        if (this.d.state()?.sessionTaken?.(cmd.sessionTaken)) {
          this.d.logger.info({ component: 'cluster', clientId: cmd.sessionTaken, fromNode: cmd.origin }, 'session resumed on another node: old connection closed');
        }
        return;
      }
      if (this.d.state()?.disconnectLocal?.(cmd.clientId, cmd.code, cmd.reason)) {
        this.d.logger.info(
          { component: 'cluster', clientId: cmd.clientId, code: cmd.code, reason: cmd.reason, fromNode: cmd.origin },
          'client disconnected on request of another node',
        );
      }
    } catch (err) {
      this.d.logger.error({ err, component: 'cluster' }, '[stelar:cluster] disconnect handler threw');
    }
  }
}

function msg(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
