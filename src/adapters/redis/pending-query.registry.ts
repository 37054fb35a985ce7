/**
 * Correlates cluster query replies with the query that asked for them. Each pending query waits
 * for a known set of live nodes and settles when all of them answered, when `isDone` says an
 * answer is conclusive, or when its timer fires: it never hangs.
 */
import type { Clock, TimerHandle } from '../../ports/clock.port';

/** What a settled query collected. */
export interface QueryOutcome {
  /** Answers by node id, in arrival order. */
  readonly answers: Map<string, unknown>;
  /** Expected nodes that did not answer (0 when complete). */
  readonly missing: number;
}

interface PendingQuery {
  readonly expected: Set<string>;
  readonly answers: Map<string, unknown>;
  readonly timer: TimerHandle;
  readonly resolve: (o: QueryOutcome) => void;
  readonly isDone: ((value: unknown) => boolean) | undefined;
  remaining: number;
}

/** Open queries by correlation id (u32, wrapping). */
export class PendingQueryRegistry {
  private readonly pending = new Map<number, PendingQuery>();
  private nextId = 1;

  constructor(private readonly clock: Clock) {}

  /** Number of open queries. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Opens a query awaiting `expected` nodes for at most `timeoutMs`.
   * `isDone(value)` may settle it early on a conclusive answer (e.g. "client found").
   */
  open(
    expected: ReadonlySet<string>,
    timeoutMs: number,
    isDone?: (value: unknown) => boolean,
  ): { id: number; outcome: Promise<QueryOutcome> } {
    const id = this.allocateId();
    let resolve!: (o: QueryOutcome) => void;
    const outcome = new Promise<QueryOutcome>((r) => (resolve = r));
    const timer = this.clock.setTimeout(() => this.settle(id), timeoutMs);
    this.pending.set(id, {
      expected: new Set(expected),
      answers: new Map(),
      timer,
      resolve,
      isDone,
      remaining: expected.size,
    });
    return { id, outcome };
  }

  /**
   * Records `nodeId`'s answer to query `id`. Late, unknown and duplicate answers are ignored.
   * Nodes that were not expected (joined after the query started) are still counted in.
   * @returns false when the answer was ignored.
   */
  answer(id: number, nodeId: string, value: unknown): boolean {
    const q = this.pending.get(id);
    if (q === undefined || q.answers.has(nodeId)) return false;
    q.answers.set(nodeId, value);
    if (q.expected.delete(nodeId)) q.remaining--;
    if (q.remaining === 0 || (q.isDone !== undefined && q.isDone(value))) this.settle(id);
    return true;
  }

  /** Settles one query now, with whatever arrived (used when its publish failed). */
  settle(id: number): void {
    const q = this.pending.get(id);
    if (q === undefined) return;
    this.pending.delete(id);
    this.clock.clearTimeout(q.timer);
    // A conclusive early answer is complete even if other nodes never replied.
    const conclusive = q.isDone !== undefined && [...q.answers.values()].some(q.isDone);
    q.resolve({ answers: q.answers, missing: conclusive ? 0 : q.remaining });
  }

  /** Settles every open query (on stop). */
  settleAll(): void {
    for (const id of [...this.pending.keys()]) this.settle(id);
  }

  private allocateId(): number {
    // Skip ids still in use after a wrap-around (2^32 queries later).
    do {
      this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    } while (this.pending.has(this.nextId));
    return this.nextId;
  }
}
