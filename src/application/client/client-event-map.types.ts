import type { EventNames, EventPayload, EventsMap, IsUntyped } from '../event-map.types';
import type { BinaryMeta } from '../../domain/message';
import type { ConnectInfo, DisconnectInfo } from './client-deps';

/** The events every client emits itself, whatever its maps say. */
export interface ClientReservedEvents {
  /** `info.recovered`: the session (id, rooms, missed messages) was resumed (session recovery). */
  connect: (info: ConnectInfo) => void;
  disconnect: (info: DisconnectInfo) => void;
  reconnecting: (attempt: number) => void;
  reconnect_failed: () => void;
  /** A StelarError (with its stable `code`) or another Error. */
  error: (err: Error & { readonly code?: string }) => void;
}

/** What `client.on` accepts: the server's events (`Listen`) and the reserved client events. */
export type ClientEventNames<Listen extends EventsMap> = EventNames<Listen> | keyof ClientReservedEvents;

/**
 * The listener of client event `E`: a reserved event's own signature, else `(payload, meta?)`
 * (`meta`: the `{ name, type, size }` of a binary event sent with sendFile/sendImage). Untyped
 * clients keep the variadic `(...args: any[]) => void`.
 */
export type ClientListener<Listen extends EventsMap, E> = E extends keyof ClientReservedEvents
  ? ClientReservedEvents[E]
  : IsUntyped<Listen> extends true
    ? // eslint-disable-next-line @typescript-eslint/no-explicit-any
      (...args: any[]) => void
    : E extends keyof Listen
      ? (data: EventPayload<Listen, E>, meta?: BinaryMeta) => void
      : never;

/** `emit(event, data?, opts?)`: data may be left out only when the payload accepts `undefined`. */
export type ClientEmitArgs<P> = undefined extends P
  ? [data?: P, opts?: { ack?: string }]
  : [data: P, opts?: { ack?: string }];

/** `request(event, data?, ackName?)`: same rule for data. */
export type ClientRequestArgs<P> = undefined extends P ? [data?: P, ackName?: string] : [data: P, ackName?: string];

/** `string` for the untyped client (any name, `request<T>()`), `never` once `Emit` is a map. */
export type UntypedEventName<M extends EventsMap> = IsUntyped<M> extends true ? string : never;
