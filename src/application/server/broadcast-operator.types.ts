import type { DefaultEventsMap, EventNames, EventPayload, EventsMap } from '../event-map.types';

/**
 * The broadcast builder as users see it (`server.to(…)`, `server.except(…)`, `server.volatile`,
 * `server.local`): types only, typed by the server's `Emit` map. Every step returns a new
 * operator (immutable), so one kept in a variable can be reused. The run-time object is the
 * domain's `BroadcastBuilder` (`domain/delivery/broadcast.builder.ts`).
 */
export interface BroadcastOperator<Emit extends EventsMap = DefaultEventsMap> {
  /** Also to the members of `rooms` (a name or a list; `.to(a).to(b)` is the union; `to([])` reaches nobody). */
  to(rooms: string | readonly string[]): BroadcastOperator<Emit>;
  /** Not to `names`: client ids, or rooms whose members are skipped (lists and chained calls add up). */
  except(names: string | readonly string[]): BroadcastOperator<Emit>;
  /** Skipped, not queued, for clients over `maxBufferedBytes` instead of dropping them; not recorded. */
  readonly volatile: BroadcastOperator<Emit>;
  /** This node's clients only: nothing goes to the other cluster nodes. */
  readonly local: BroadcastOperator<Emit>;
  /** Sends `event` (JSON, or binary when `data` is bytes) to the recipients chosen so far. */
  emit<E extends EventNames<Emit>>(event: E, data: EventPayload<Emit, E>): void;
}
