/** A value a port may return synchronously or as a Promise (in-memory vs networked adapters). */
export type MaybePromise<T> = T | Promise<T>;
