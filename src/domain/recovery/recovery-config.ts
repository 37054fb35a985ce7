/** The resolved `recovery` server option (docs/API.md, "Session recovery"). */
export interface RecoveryConfig {
  readonly enabled: boolean;
  /** How long (ms) a dropped session can be resumed; also the history age bound. */
  readonly windowMs: number;
  /** Most messages kept per stream (each room, each session, broadcasts). */
  readonly historySize: number;
  /** false: a resume runs the admission middleware again (its refusal ends the session). */
  readonly skipMiddleware: boolean;
}

export const RECOVERY_DEFAULTS: RecoveryConfig = Object.freeze({
  enabled: false,
  windowMs: 120000,
  historySize: 1000,
  skipMiddleware: false,
});

/** The option as users write it. */
export type RecoveryOption =
  | boolean
  | { readonly windowMs?: number; readonly historySize?: number; readonly skipMiddleware?: boolean };

const KEYS = new Set(['windowMs', 'historySize', 'skipMiddleware']);

/**
 * Validates and resolves `recovery`: `false`/undefined (off), `true` (defaults) or an object
 * (on, with its fields over the defaults). Throws TypeError/RangeError naming the field.
 */
export function resolveRecovery(value: unknown): RecoveryConfig {
  if (value === undefined || value === false) return RECOVERY_DEFAULTS;
  if (value === true) return { ...RECOVERY_DEFAULTS, enabled: true };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`recovery must be a boolean or { windowMs, historySize, skipMiddleware }, got ${String(value)}`);
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KEYS.has(key)) throw new TypeError(`recovery.${key} is not an option (expected windowMs, historySize, skipMiddleware)`);
  }
  const windowMs = o.windowMs ?? RECOVERY_DEFAULTS.windowMs;
  const historySize = o.historySize ?? RECOVERY_DEFAULTS.historySize;
  const skipMiddleware = o.skipMiddleware ?? RECOVERY_DEFAULTS.skipMiddleware;
  if (typeof windowMs !== 'number' || !Number.isInteger(windowMs) || windowMs < 1 || windowMs > 86_400_000) {
    throw new RangeError(`recovery.windowMs must be an integer in [1, 86400000], got ${String(windowMs)}`);
  }
  if (typeof historySize !== 'number' || !Number.isInteger(historySize) || historySize < 1 || historySize > 1_000_000) {
    throw new RangeError(`recovery.historySize must be an integer in [1, 1000000], got ${String(historySize)}`);
  }
  if (typeof skipMiddleware !== 'boolean') {
    throw new TypeError(`recovery.skipMiddleware must be a boolean, got ${String(skipMiddleware)}`);
  }
  return { enabled: true, windowMs, historySize, skipMiddleware };
}
