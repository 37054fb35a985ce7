import { EVERYONE, planExcept, planLocal, planTo, planVolatile, type BroadcastPlan } from './broadcast-plan';

/** Sends `event`/`data` to the recipients of `plan` (the application checks and builds the message). */
export type PlanSender = (plan: BroadcastPlan, event: string, data: unknown) => void;

/**
 * socket.io-style broadcast operator: `to(rooms)`, `except(names)`, `volatile`, `local`, then
 * `emit(event, data)`. Immutable: every step returns a new builder over a new
 * {@link BroadcastPlan}, so a builder kept in a variable can be reused and extended safely.
 */
export class BroadcastBuilder {
  constructor(
    private readonly send: PlanSender,
    /** What this builder's emit reaches. */
    readonly plan: BroadcastPlan = EVERYONE,
  ) {
    Object.freeze(this);
  }

  /** Also to the members of `rooms` (a name or a list; chained calls add up). */
  to(rooms: string | readonly string[]): BroadcastBuilder {
    return new BroadcastBuilder(this.send, planTo(this.plan, rooms));
  }

  /** Not to `names`: client ids, or rooms whose members are skipped (a list, or chained calls, add up). */
  except(names: string | readonly string[]): BroadcastBuilder {
    return new BroadcastBuilder(this.send, planExcept(this.plan, names));
  }

  /** Skipped, not queued, for clients over `maxBufferedBytes` (no slow-consumer drop). */
  get volatile(): BroadcastBuilder {
    return new BroadcastBuilder(this.send, planVolatile(this.plan));
  }

  /** This node's clients only (nothing goes to the other cluster nodes). */
  get local(): BroadcastBuilder {
    return new BroadcastBuilder(this.send, planLocal(this.plan));
  }

  /** Sends the event (JSON, or binary for bytes) to the plan's recipients. */
  emit(event: string, data: unknown): void {
    this.send(this.plan, event, data);
  }
}
