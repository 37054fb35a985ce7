import type { ClientRecord } from '../client-record';
import type { RecipientFilter } from './fan-out.service';

/**
 * Who a broadcast-builder send is for, as an immutable value: `server.to(…).except(…)
 * .volatile.local` builds one step by step, each step a new plan.
 */
export interface BroadcastPlan {
  /** True once `to()` was called: the target is then the union of `rooms` (empty: nobody). */
  readonly targeted: boolean;
  /** Target rooms, in the order given, without repeats. */
  readonly rooms: readonly string[];
  /** Names to skip: a client whose id is one of them, or who is in a room of that name. */
  readonly except: readonly string[];
  /** Skipped for clients over `maxBufferedBytes` instead of dropping them (and not recorded). */
  readonly volatile: boolean;
  /** This node's clients only: nothing is handed to the other nodes. */
  readonly local: boolean;
}

const NONE: readonly string[] = Object.freeze([]);

/** Every client, cluster-wide: the plan a builder starts from. */
export const EVERYONE: BroadcastPlan = Object.freeze({ targeted: false, rooms: NONE, except: NONE, volatile: false, local: false });

/** `names` (one or a list) checked: strings only. */
function nameList(names: string | readonly string[], what: string): readonly string[] {
  const list = typeof names === 'string' ? [names] : names;
  if (!Array.isArray(list)) throw new TypeError(`${what} takes a name or a list of names`);
  for (const n of list) if (typeof n !== 'string') throw new TypeError(`${what} takes a name or a list of names`);
  return list;
}

/** `base` plus `more`, in order, without repeats (the same array when nothing is new). */
function union(base: readonly string[], more: readonly string[]): readonly string[] {
  let out: string[] | null = null;
  for (const n of more) {
    if (base.includes(n) || (out !== null && out.includes(n))) continue;
    (out ??= [...base]).push(n);
  }
  return out === null ? base : Object.freeze(out);
}

/**
 * A new frozen plan. One literal of one shape for every plan (no object spread): the builder
 * makes a few per send, and V8 keeps the loads of a single shape monomorphic.
 */
function makePlan(targeted: boolean, rooms: readonly string[], except: readonly string[], volatile: boolean, local: boolean): BroadcastPlan {
  return Object.freeze({ targeted, rooms, except, volatile, local });
}

/** `plan` that also targets `rooms` (`.to(a).to(b)` is the union, as in socket.io). */
export function planTo(plan: BroadcastPlan, rooms: string | readonly string[]): BroadcastPlan {
  return makePlan(true, union(plan.rooms, nameList(rooms, 'to()')), plan.except, plan.volatile, plan.local);
}

/** `plan` that also skips `names` (client ids or rooms). */
export function planExcept(plan: BroadcastPlan, names: string | readonly string[]): BroadcastPlan {
  return makePlan(plan.targeted, plan.rooms, union(plan.except, nameList(names, 'except()')), plan.volatile, plan.local);
}

export function planVolatile(plan: BroadcastPlan): BroadcastPlan {
  return plan.volatile ? plan : makePlan(plan.targeted, plan.rooms, plan.except, true, plan.local);
}

export function planLocal(plan: BroadcastPlan): BroadcastPlan {
  return plan.local ? plan : makePlan(plan.targeted, plan.rooms, plan.except, plan.volatile, true);
}

/**
 * Skips a recipient named by `names`: by its id, or by a room it is in. Used for `except` and,
 * in a several-room send, for the rooms already covered (a member of two target rooms gets the
 * message once).
 */
export class NameFilter implements RecipientFilter {
  constructor(readonly names: readonly string[]) {}

  excludes(r: ClientRecord): boolean {
    const names = this.names;
    for (let i = 0; i < names.length; i++) {
      const n = names[i];
      if (r.id === n || r.info.inRoom(n)) return true;
    }
    return false;
  }
}

/** A filter for `names`, or undefined when there is nothing to skip. */
export function filterOf(names: readonly string[] | undefined): NameFilter | undefined {
  return names === undefined || names.length === 0 ? undefined : new NameFilter(names);
}
