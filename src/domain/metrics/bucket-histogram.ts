/**
 * A fixed-bucket histogram counted with plain integers (Prometheus semantics: each bucket counts
 * observations ≤ its upper bound, cumulatively when read). Observing is a short scan of the
 * bounds and two additions; nothing is allocated.
 */
export class BucketHistogram {
  /** Non-cumulative counts; the last slot is +Inf. */
  private readonly counts: number[];
  private total = 0;
  private sumValue = 0;

  /** @param bounds ascending upper bounds, in the unit observations use. */
  constructor(readonly bounds: readonly number[]) {
    for (let i = 1; i < bounds.length; i++) {
      if (!(bounds[i] > bounds[i - 1])) throw new RangeError('histogram bounds must be ascending');
    }
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]) i++;
    this.counts[i]++;
    this.total++;
    this.sumValue += value;
  }

  get count(): number {
    return this.total;
  }

  get sum(): number {
    return this.sumValue;
  }

  /** Cumulative counts per bound, then +Inf (= count). */
  cumulative(): number[] {
    const out = new Array<number>(this.counts.length);
    let acc = 0;
    for (let i = 0; i < this.counts.length; i++) out[i] = acc += this.counts[i];
    return out;
  }

  /** The upper bound under which a fraction `q` of observations fall (bucket resolution). */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const target = q * this.total;
    let acc = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      acc += this.counts[i];
      if (acc >= target) return this.bounds[i];
    }
    return Infinity;
  }
}

/** Ack handler duration buckets, in ms (1 ms … 10 s). */
export const ACK_DURATION_BUCKETS_MS: readonly number[] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** Event-loop lag buckets, in ms. */
export const EVENT_LOOP_LAG_BUCKETS_MS: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
