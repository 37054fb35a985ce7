/**
 * Typed event maps (socket.io's convention). A map's entry is a function type:
 *
 * ```ts
 * interface ClientToServer {
 *   chat: (msg: { text: string }) => void;                      // an event
 *   getUser: (q: { id: number }) => { id: number; name: string }; // a request answered by onAck
 *   avatar: (bytes: Buffer) => void;                             // a binary event
 * }
 * ```
 *
 * The parameter is the payload; the return type is the answer of a request (`void` for plain
 * events). Without maps every name is a `string` and every payload `any`, as in the untyped API.
 * These are types only: nothing here exists at run time.
 */

/** Event name → function type `(payload) => answer`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventsMap = { [event: string]: any };

/** The map used when none is given: any name, any payload, any answer (the untyped API). */
export interface DefaultEventsMap {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [event: string]: (...args: any[]) => any;
}

/** Per-client data (the `setMetadata`/`getMetadata` store) when no type is given. */
export type DefaultClientData = Record<string, unknown>;

/** The event names of a map (every `string` for the default map). */
export type EventNames<M extends EventsMap> = keyof M & string;

/** The payload of event `E`: the first parameter of its function type (`undefined` for `() => void`). */
export type EventPayload<M extends EventsMap, E extends keyof M> = E extends keyof M
  ? M[E] extends (...args: infer A) => unknown
    ? A extends []
      ? undefined
      : A[0]
    : never
  : never;

/** The answer of request `E`: its function type's return type, promises unwrapped. */
export type EventAnswer<M extends EventsMap, E extends keyof M> = E extends keyof M
  ? M[E] extends (...args: never[]) => infer R
    ? Awaited<R>
    : never
  : never;

/** `[data]`, or `[data?]` when the payload accepts `undefined` (so `emit('ping')` needs no data). */
export type PayloadArgs<P> = undefined extends P ? [data?: P] : [data: P];

/** Bytes a binary event may carry. */
export type BinaryPayload = ArrayBuffer | ArrayBufferView;

/** The events of `M` whose payload is binary (every name for the default map). */
export type BinaryEventNames<M extends EventsMap> = {
  [K in EventNames<M>]: [EventPayload<M, K>] extends [BinaryPayload] ? K : never;
}[EventNames<M>];

/** True when `M` is (like) the default map, i.e. its names are every `string`. */
export type IsUntyped<M extends EventsMap> = string extends keyof M ? true : false;

/** A listener of event `E` of map `M`: receives the payload. */
export type EventListener<M extends EventsMap, E extends keyof M> = (data: EventPayload<M, E>) => void;
