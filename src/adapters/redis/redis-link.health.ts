/**
 * Health of the bus's two Redis links as seen from their events: one warning per outage (not
 * one per reconnect attempt), one info line when a link is back (with the cluster deliveries
 * lost meanwhile), the reconnect count, and what must be redone when a link is ready again
 * (the bus's `onPubBack` / `onSubBack`: re-announce, resync, drain, resubscribe).
 */
import type { Logger } from '../../ports/logger.port';

/** What the health tracker needs from the bus. */
export interface LinkHealthDeps {
  readonly nodeId: string;
  readonly logger: Logger;
  /** True while the bus runs (events before start() or during stop() are not outages). */
  running(): boolean;
  /** The publisher is ready (after start or a reconnect): redo what Redis may have lost. */
  onPubBack(): void;
  /** The subscriber is ready (after start or a reconnect): resubscribe the room channels. */
  onSubBack(): void;
}

export class RedisLinkHealth {
  /** Times a Redis connection (publisher or subscriber) came back after an outage. */
  reconnects = 0;
  private pubHealthy = true;
  private subHealthy = true;
  private droppedInOutage = 0;

  constructor(private readonly d: LinkHealthDeps) {}

  readonly onPubReady = (): void => {
    if (!this.d.running()) return;
    this.d.onPubBack();
    if (this.pubHealthy) return;
    this.pubHealthy = true;
    this.reconnects++;
    this.d.logger.info(
      { component: 'cluster', nodeId: this.d.nodeId, connection: 'pub', droppedDeliveries: this.droppedInOutage },
      `[stelar:cluster] Redis reconnected; ${this.droppedInOutage} cluster deliveries were lost meanwhile`,
    );
    this.droppedInOutage = 0;
  };

  readonly onSubReady = (): void => {
    if (!this.d.running()) return;
    this.d.onSubBack();
    if (this.subHealthy) return;
    this.subHealthy = true;
    this.reconnects++;
    this.d.logger.info(
      { component: 'cluster', nodeId: this.d.nodeId, connection: 'sub' },
      '[stelar:cluster] Redis subscriber reconnected and resubscribed',
    );
  };

  /** 'error' (with an Error) or 'reconnecting' (with the delay): log once per outage. */
  readonly onPubDown = (why: unknown): void => {
    if (!this.pubHealthy || !this.d.running()) return;
    this.pubHealthy = false;
    this.d.logger.warn(
      { component: 'cluster', nodeId: this.d.nodeId, connection: 'pub', ...outage(why) },
      `[stelar:cluster] Redis connection lost (${reason(why)}); local delivery continues, ` +
        'cluster deliveries are held (bounded) until it reconnects',
    );
  };

  readonly onSubDown = (why: unknown): void => {
    if (!this.subHealthy || !this.d.running()) return;
    this.subHealthy = false;
    this.d.logger.warn(
      { component: 'cluster', nodeId: this.d.nodeId, connection: 'sub', ...outage(why) },
      `[stelar:cluster] Redis subscriber connection lost (${reason(why)})`,
    );
  };

  /** A cluster delivery was lost (`why`): the first loss of an outage is logged, all are counted. */
  readonly onDrop = (why: string): void => {
    if (this.droppedInOutage++ === 0) {
      this.d.logger.warn({ component: 'cluster', nodeId: this.d.nodeId, reason: why }, `[stelar:cluster] losing cluster deliveries: ${why}`);
    }
  };
}

/** The fields of an outage line: the Error as `err`, or the reconnect delay. */
function outage(why: unknown): Record<string, unknown> {
  return typeof why === 'number' ? { reconnectInMs: why } : why instanceof Error ? { err: why } : { reason: String(why) };
}

function reason(why: unknown): string {
  if (why === undefined) return 'reconnecting';
  return typeof why === 'number' ? `reconnecting in ${why} ms` : msg(why);
}

function msg(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
