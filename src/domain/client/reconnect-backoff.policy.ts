/**
 * Reconnection delays: exponential backoff with "full jitter" (AWS Architecture Blog,
 * "Exponential Backoff And Jitter"): the delay for attempt n is uniform in
 * [0, min(maxDelay, baseDelay * 2^(n-1))). Full jitter spreads a crowd of clients that lost the
 * same server over the whole window, so a restarted server is not hit by a thundering herd.
 */

/** A user function that replaces the built-in backoff (`customReconnectDelay`). */
export type CustomReconnectDelay = (attempt: number, baseDelay: number, maxDelay: number) => number;

/** The `onReconnectDelay` hook: sees the computed delay and may return another one. */
export type ReconnectDelayHook = (info: { attempt: number; defaultDelay: number }) => number | void | undefined;

/** The exponential ceiling for `attempt` (numbered from 1), capped at `maxDelay`. */
export function backoffCeiling(attempt: number, baseDelay: number, maxDelay: number): number {
  // 2^(attempt-1) overflows to Infinity past ~1024 attempts; Math.min keeps it finite.
  const exp = baseDelay * Math.pow(2, Math.max(0, attempt - 1));
  return Math.min(maxDelay, exp);
}

/** Full-jitter delay for `attempt`: `floor(random() * ceiling)`, always in [0, ceiling). */
export function fullJitterDelay(
  attempt: number,
  baseDelay: number,
  maxDelay: number,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * backoffCeiling(attempt, baseDelay, maxDelay));
}

/**
 * The wait after a refusal that carried the server's retry hint (a 503 with `Retry-After`, the
 * TCP Error frame's `retryAfter`): uniform in [hint, 2 × hint), never before the hint, so the
 * crowd the server shed together comes back spread over one more window, not at one instant.
 */
export function retryHintDelay(hintMs: number, random: () => number = Math.random): number {
  return hintMs + Math.floor(random() * hintMs);
}

/** Longest retry hint honoured (ms); a larger one is capped to it. */
export const MAX_RETRY_HINT_MS = 60_000;

function usable(n: unknown): n is number {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0;
}

/** Inputs of {@link resolveReconnectDelay}. */
export interface ReconnectDelayInputs {
  readonly attempt: number;
  readonly baseDelay: number;
  readonly maxDelay: number;
  readonly custom?: CustomReconnectDelay;
  readonly hook?: ReconnectDelayHook;
  readonly random?: () => number;
  /** The server's retry hint (ms) of the refusal that ended the last attempt, if any. */
  readonly retryAfter?: number;
}

/**
 * The delay before reconnection attempt `attempt`, with this precedence:
 * 1. the default is `customReconnectDelay(attempt, base, max)` when given, else full jitter;
 * 2. after a refusal with the server's retry hint, {@link retryHintDelay} instead (the custom
 *    function is not asked: the server knows better when it has room);
 * 3. the `onReconnectDelay` hook sees that default and its return value wins when it is a
 *    finite number >= 0 (the hook can change at runtime through `updateOptions`).
 * An unusable value (NaN, negative, not a number, a throwing function) falls back to the
 * previous stage, so a buggy user function can never stop reconnection.
 */
export function resolveReconnectDelay(inputs: ReconnectDelayInputs, onUserError?: (err: unknown) => void): number {
  const { attempt, baseDelay, maxDelay } = inputs;
  const hint = inputs.retryAfter;
  let delay: number;
  if (usable(hint) && hint > 0) {
    // The server said when: its hint replaces the backoff and customReconnectDelay.
    delay = retryHintDelay(Math.min(hint, MAX_RETRY_HINT_MS), inputs.random);
  } else {
    delay = fullJitterDelay(attempt, baseDelay, maxDelay, inputs.random);
    if (inputs.custom) {
      try {
        const c = inputs.custom(attempt, baseDelay, maxDelay);
        if (usable(c)) delay = c;
      } catch (err) {
        onUserError?.(err);
      }
    }
  }
  if (inputs.hook) {
    try {
      const h = inputs.hook({ attempt, defaultDelay: delay });
      if (usable(h)) delay = h;
    } catch (err) {
      onUserError?.(err);
    }
  }
  return delay;
}
