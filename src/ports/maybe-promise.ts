/** A value a port may return synchronously or as a Promise (in-memory vs networked adapters). */
export type MaybePromise<T> = T | Promise<T>;

/** True when a MaybePromise result is a Promise (a networked adapter answered asynchronously). */
export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return value instanceof Promise;
}
