/**
 * Reconnection delays: exponential backoff with jitter, its windows ANCHORED on the first
 * failure of the outage (docs/API.md, "Reconnection").
 *
 * The windows double from the base and are capped at `maxDelay` (`ceiling(n) = min(max,
 * base * 2^(n-1))`, as in "full jitter", AWS Architecture Blog, "Exponential Backoff And
 * Jitter"), but they are laid end to end on one time line that starts at the first failure:
 * window n is `[S(n-1), S(n))` after it, `S(n) = ceiling(1) + ... + ceiling(n)` (1 s base:
 * [0, 1), [1, 3), [3, 7), [7, 15), [15, 31) s, then 30 s windows). Attempt n is made at a
 * uniformly random instant of window n. Plain full jitter draws each delay from the moment the
 * previous attempt failed, so a client whose early attempts were refused quickly reaches the
 * large windows early (four fast refusals within one second, then a 16 s window): after a
 * server restart that crowd is the tail. Anchored, an attempt's instant depends only on its
 * number and the time since the first failure, never on how fast the earlier ones failed; the
 * crowd is still spread uniformly over each window (no thundering herd), and ten attempts still
 * span 151-181 s of outage (plain full jitter gave up after 44-136 s, depending on the draws).
 * An attempt that failed slowly (a dial timeout) past its window's middle moves on to the
 * window holding the current time, or the next one: every wait keeps at least half a window of
 * spread.
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

/**
 * The anchored delay of `attempt` (from 1), `elapsed` ms after the first failure of the outage:
 * the wait until a uniformly random instant of window `attempt` (what is left of it after
 * `elapsed`), or of a later window when less than half of it is left (the earlier attempts
 * failed slowly). `elapsed` >= 0 (the client passes monotonic time). An integer >= 0; 0 when
 * the backoff is off (a base or cap of 0).
 */
export function anchoredJitterDelay(
  attempt: number,
  elapsed: number,
  baseDelay: number,
  maxDelay: number,
  random: () => number = Math.random,
): number {
  const e = elapsed;
  let start = 0;
  let width = Math.min(baseDelay, maxDelay);
  if (!(width > 0)) return 0;
  // The doubling windows one by one (about log2(max / base) of them: the width reaches the cap
  // for any base > 0, 2^k overflowing to Infinity at worst)...
  let k = 1;
  while (width < maxDelay && (k < attempt || e > start + width / 2)) {
    k++;
    start += width;
    width = Math.min(maxDelay, 2 * width);
  }
  // ...then maxDelay-wide windows, the first fit in closed form (an outage of days costs no loop).
  if (width >= maxDelay) start += Math.max(0, attempt - k, Math.ceil((e - start - maxDelay / 2) / maxDelay)) * maxDelay;
  // Uniform in [max(e, start), start + width), as a wait from e (the offset drawn on its own:
  // `from + r * left` may round up to the window's end).
  const from = Math.max(e, start);
  return from - e + Math.floor(random() * (start + width - from));
}

/**
 * Plain full-jitter delay for `attempt`, drawn from now: `floor(random() * ceiling)`, always in
 * [0, ceiling). The client's schedule is {@link anchoredJitterDelay}; this one is kept for
 * `customReconnectDelay` functions that want the classic schedule.
 */
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
  /** Ms since the first failure of this outage (default 0: it is now), the anchor of {@link anchoredJitterDelay}. */
  readonly elapsed?: number;
}

/**
 * The delay before reconnection attempt `attempt`, with this precedence:
 * 1. the default is `customReconnectDelay(attempt, base, max)` when given, else the anchored
 *    schedule ({@link anchoredJitterDelay});
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
    delay = anchoredJitterDelay(attempt, inputs.elapsed ?? 0, baseDelay, maxDelay, inputs.random);
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
