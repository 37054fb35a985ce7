/**
 * Stall detection for the two Redis links, run on one timer (every `stallTimeoutMs / 3`, at
 * least 50 ms): the publisher stalls when its publishes get no replies (the outbound pipeline
 * checks), the subscriber when a self-probe published on this node's own channel does not come
 * back through it within `stallTimeoutMs` (a frozen subscriber connection). A stalled link is
 * reconnected.
 */
import type { Clock, TimerHandle } from '../../ports/clock.port';
import type { Logger } from '../../ports/logger.port';
import { EnvelopeType, decodeEnvelope, encodeProbe } from './cluster-envelope.codec';
import type { RedisLinks } from './redis-links';

/** What the watchdog needs from the bus. */
export interface ProbeWatchdogDeps {
  readonly nodeId: string;
  /** This node's own channel (the probe goes there and comes back through the subscriber). */
  readonly nodeChannel: string;
  readonly stallTimeoutMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The links while the bus runs (undefined otherwise: the tick does nothing). */
  links(): RedisLinks | undefined;
  /** The publisher-side check (outbound pipeline: publishes without replies). */
  checkPublisher(): void;
}

export class SubscriberProbeWatchdog {
  /** Times the subscriber was declared stalled (its self-probe did not come back). */
  subscriberStalls = 0;
  private timer: TimerHandle | undefined;
  private probeSeq = 0;
  /** The self-probe in flight: its id and when Redis acknowledged it (0: none). */
  private probeId = 0;
  private probeAt = 0;

  constructor(private readonly d: ProbeWatchdogDeps) {}

  start(): void {
    this.timer = this.d.clock.setInterval(this.tick, Math.max(50, this.d.stallTimeoutMs / 3));
  }

  stop(): void {
    if (this.timer !== undefined) this.d.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A probe envelope from this node came back through the subscriber. */
  probeReturned(message: Buffer): void {
    const env = safeDecode(message);
    if (env?.type === EnvelopeType.Probe && env.id === this.probeId) this.probeId = 0;
  }

  private readonly tick = (): void => {
    const links = this.d.links();
    if (links === undefined) return;
    this.d.checkPublisher();
    if (links.pub.status !== 'ready' || links.sub.status !== 'ready') {
      this.probeId = 0;
      return;
    }
    const now = this.d.clock.now();
    if (this.probeId !== 0) {
      if (!(now - this.probeAt >= this.d.stallTimeoutMs)) return;
      this.subscriberStalls++;
      this.probeId = 0;
      this.d.logger.warn('[stelar:cluster] Redis subscriber stalled (self-probe lost); reconnecting it');
      links.sub.disconnect(true);
      return;
    }
    // Armed only once Redis acknowledged the probe: a failed publish is the publisher's
    // problem (counted there), not evidence of a frozen subscriber.
    const id = (++this.probeSeq & 0x7fffffff) || 1;
    this.probeId = id;
    this.probeAt = Number.POSITIVE_INFINITY;
    links.publish(this.d.nodeChannel, encodeProbe(this.d.nodeId, id)).then(
      () => {
        if (this.probeId === id) this.probeAt = this.d.clock.now();
      },
      () => {
        if (this.probeId === id) this.probeId = 0;
      },
    );
  };
}

function safeDecode(buf: Buffer): ReturnType<typeof decodeEnvelope> | undefined {
  try {
    return decodeEnvelope(buf);
  } catch {
    return undefined;
  }
}
