/**
 * Cluster-wide queries over the bus: the asker lists the live nodes, publishes a query with a
 * correlation id on the broadcast channel, every live node answers on the asker's node channel
 * from its local state, and the asker merges what arrives within the timeout (never hangs).
 */
import type { ClusterQueryResult, ClusterStateProvider } from '../../ports/cluster-bus.port';
import type { Clock } from '../../ports/clock.port';
import type { Logger } from '../../ports/logger.port';
import { type ClusterEnvelope, type QueryKind, encodeQuery, encodeReply } from './cluster-envelope.codec';
import { localAnswer } from './local-query.answer';
import { PendingQueryRegistry } from './pending-query.registry';

/** What the runner needs from the bus. */
export interface QueryRunnerDeps {
  readonly nodeId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timeoutMs: number;
  /** True while queries can be sent (bus running, publisher connected). */
  ready(): boolean;
  liveNodes(): Promise<string[]>;
  publishQuery(envelope: Buffer): Promise<number>;
  publishReply(origin: string, envelope: Buffer): Promise<number>;
}

export class ClusterQueryRunner {
  private readonly pending: PendingQueryRegistry;
  /** Queries some live node did not answer in time. */
  timeouts = 0;
  /** Other live nodes seen by the last presence check (used while Redis is unreachable). */
  private knownPeers = 0;

  constructor(private readonly d: QueryRunnerDeps) {
    this.pending = new PendingQueryRegistry(d.clock);
  }

  /** Asks every other live node and merges their answers with `local`. */
  async run<T, R>(
    kind: QueryKind,
    arg: string | undefined,
    local: T,
    valid: (v: unknown) => v is T,
    merge: (values: T[]) => R,
    isDone?: (v: unknown) => boolean,
  ): Promise<ClusterQueryResult<R>> {
    const d = this.d;
    const alone = (partial: boolean) => ({ value: merge([local]), partial, nodes: 1, nodeIds: [d.nodeId] });
    if (!d.ready()) return alone(this.knownPeers > 0);
    const deadline = d.clock.now() + d.timeoutMs;
    let peers: string[];
    try {
      peers = (await d.liveNodes()).filter((id) => id !== d.nodeId);
    } catch (err) {
      d.logger.warn(`[stelar:cluster] presence lookup failed: ${msg(err)}`);
      return alone(this.knownPeers > 0);
    }
    if (peers.length === 0) return alone(false);
    // stop() may have run while the presence lookup was in flight.
    if (!d.ready()) return alone(true);
    const remaining = Math.max(1, deadline - d.clock.now());
    const { id, outcome } = this.pending.open(new Set(peers), remaining, isDone);
    d.publishQuery(encodeQuery(d.nodeId, id, kind, arg)).catch(() => this.pending.settle(id));
    const { answers, missing } = await outcome;
    if (missing > 0) this.timeouts++;
    const values: T[] = [local];
    const nodeIds = [d.nodeId];
    let invalid = 0;
    for (const [node, v] of answers) {
      if (valid(v)) {
        values.push(v);
        nodeIds.push(node);
      } else {
        invalid++;
        d.logger.warn(`[stelar:cluster] ignoring a malformed answer from node ${node}`);
      }
    }
    return { value: merge(values), partial: missing > 0 || invalid > 0, nodes: nodeIds.length, nodeIds };
  }

  /** The bus listed the live nodes (this one included): remembered for answers during outages. */
  noteLive(live: readonly string[], self: string): void {
    this.knownPeers = live.length - (live.includes(self) ? 1 : 0);
  }

  /** Answers another node's query from `state`. */
  answer(state: ClusterStateProvider, env: Extract<ClusterEnvelope, { type: 2 }>): void {
    let value: unknown;
    try {
      value = localAnswer(state, env.kind, env.arg);
    } catch (err) {
      // No answer: the asker reports a partial result instead of wrong data.
      this.d.logger.error(`[stelar:cluster] state provider failed answering a query: ${msg(err)}`);
      return;
    }
    this.d.publishReply(env.origin, encodeReply(this.d.nodeId, env.id, value)).catch(this.onReplyError);
  }

  /** A reply to one of our queries arrived. */
  reply(env: Extract<ClusterEnvelope, { type: 3 }>): void {
    this.pending.answer(env.id, env.origin, env.value);
  }

  /** Settles every open query with what has arrived (stop()). */
  settleAll(): void {
    this.pending.settleAll();
    this.knownPeers = 0;
  }

  private readonly onReplyError = (err: unknown): void => {
    this.d.logger.debug(`[stelar:cluster] could not send a query reply: ${msg(err)}`);
  };
}

function msg(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
