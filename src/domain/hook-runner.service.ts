import type { Logger } from '../ports/logger.port';
import {
  STELAR_HOOK_NAMES,
  type StelarHookName,
  type StelarHookPayload,
  type StelarHooks,
} from './hooks.types';

const KNOWN: ReadonlySet<string> = new Set(STELAR_HOOK_NAMES);

/**
 * Holds the user's {@link StelarHooks} and calls them safely: a hook that throws is logged and
 * treated as "not cancelling", so user code can never break the server's own bookkeeping.
 */
export class HookRunner {
  private hooks: StelarHooks = {};

  constructor(
    private readonly logger: Logger,
    hooks: StelarHooks = {},
  ) {
    this.update(hooks);
  }

  /**
   * Merges `partial` into the current hooks (live). A key set to `undefined` removes that hook;
   * unknown keys and non-function values throw TypeError.
   */
  update(partial: Partial<StelarHooks>): void {
    if (typeof partial !== 'object' || partial === null) throw new TypeError('hooks must be an object');
    const next: Record<string, unknown> = { ...this.hooks };
    for (const [name, fn] of Object.entries(partial)) {
      if (!KNOWN.has(name)) throw new TypeError(`Unknown hook "${name}"`);
      if (fn === undefined) delete next[name];
      else if (typeof fn !== 'function') throw new TypeError(`Hook "${name}" must be a function`);
      else next[name] = fn;
    }
    this.hooks = next as StelarHooks;
  }

  /** Names of the hooks currently set. */
  names(): StelarHookName[] {
    return STELAR_HOOK_NAMES.filter((n) => this.hooks[n] !== undefined);
  }

  /** True when `name` is set (lets hot paths skip building the payload). */
  has(name: StelarHookName): boolean {
    return this.hooks[name] !== undefined;
  }

  /**
   * Calls hook `name` with `info`. Returns false only when the hook returned exactly `false`
   * (cancel); a missing hook, any other return value, or a throw yields true.
   */
  call<K extends StelarHookName>(name: K, info: StelarHookPayload<K>): boolean {
    const fn = this.hooks[name] as ((i: StelarHookPayload<K>) => unknown) | undefined;
    if (fn === undefined) return true;
    try {
      return fn(info) !== false;
    } catch (err) {
      this.logger.error(`hook ${name} threw: ${errorMessage(err)}`, err);
      return true;
    }
  }
}

/** The message of anything thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
