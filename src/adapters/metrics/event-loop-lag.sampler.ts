import { performance } from 'node:perf_hooks';
import { BucketHistogram, EVENT_LOOP_LAG_BUCKETS_MS } from '../../domain/metrics/bucket-histogram';

/** How often the lag is sampled. */
export const LAG_SAMPLE_MS = 100;

/**
 * Measures event-loop lag as the delay of an unref'd 100 ms timer past its due time, into a
 * bucket histogram (ms). `last` and `max` (since the last `takeMax()`) feed the dashboard.
 */
export class EventLoopLagSampler {
  readonly histogram = new BucketHistogram(EVENT_LOOP_LAG_BUCKETS_MS);
  last = 0;
  private max = 0;
  private timer: NodeJS.Timeout | null = null;
  private expected = 0;

  start(): void {
    if (this.timer !== null) return;
    this.expected = performance.now() + LAG_SAMPLE_MS;
    this.timer = setInterval(this.sample, LAG_SAMPLE_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
  }

  get running(): boolean {
    return this.timer !== null;
  }

  /** The largest lag since the previous call, in ms. */
  takeMax(): number {
    const m = this.max;
    this.max = 0;
    return m;
  }

  private readonly sample = (): void => {
    const now = performance.now();
    const lag = Math.max(0, now - this.expected);
    this.expected = now + LAG_SAMPLE_MS;
    this.last = lag;
    if (lag > this.max) this.max = lag;
    this.histogram.observe(lag);
  };
}
