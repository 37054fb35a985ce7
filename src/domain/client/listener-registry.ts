/** A listener of one event; receives the event's arguments. */
export type Listener = (...args: any[]) => void;

/**
 * Event name → listeners, copy-on-write: on/off replace the array, so dispatch iterates the
 * current array without copying it per message, and a listener that removes itself (once)
 * during dispatch does not disturb the iteration.
 */
export class ListenerRegistry {
  private readonly map = new Map<string, Listener[]>();
  // once-wrappers by original listener, so off(event, original) removes a once() listener too.
  private readonly onceWrappers = new WeakMap<Listener, Listener>();

  /**
   * @param onListenerError receives what a listener threw; dispatch goes on with the next
   *   listener, so one faulty handler cannot silence the others.
   */
  constructor(private readonly onListenerError: (err: unknown, event: string) => void) {}

  on(event: string, fn: Listener): void {
    if (typeof fn !== 'function') throw new TypeError('listener must be a function');
    const list = this.map.get(event);
    this.map.set(event, list ? [...list, fn] : [fn]);
  }

  once(event: string, fn: Listener): void {
    if (typeof fn !== 'function') throw new TypeError('listener must be a function');
    const wrapper: Listener = (...args) => {
      this.off(event, fn);
      fn(...args);
    };
    this.onceWrappers.set(fn, wrapper);
    this.on(event, wrapper);
  }

  /** Removes one registration of `fn` (or of its once-wrapper) for `event`. */
  off(event: string, fn: Listener): void {
    const list = this.map.get(event);
    if (!list) return;
    const wrapper = this.onceWrappers.get(fn);
    let i = list.indexOf(fn);
    if (i < 0 && wrapper) i = list.indexOf(wrapper);
    if (i < 0) return;
    if (list[i] === wrapper) this.onceWrappers.delete(fn);
    if (list.length === 1) this.map.delete(event);
    else this.map.set(event, list.filter((_, j) => j !== i));
  }

  /** Removes every listener of `event`, or of every event when omitted. */
  removeAll(event?: string): void {
    if (event === undefined) this.map.clear();
    else this.map.delete(event);
  }

  count(event: string): number {
    return this.map.get(event)?.length ?? 0;
  }

  /** Calls every listener of `event`; returns how many there were. */
  dispatch(event: string, a?: unknown, b?: unknown): number {
    const list = this.map.get(event);
    if (!list) return 0;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i](a, b);
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
    return list.length;
  }
}
