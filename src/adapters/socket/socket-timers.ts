import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Clock, TimerHandle } from '../../ports/clock.port';
import { SystemClock } from '../memory/system-clock.adapter';

/**
 * The clock of a transport built outside the container (tests, the Node client): real timers,
 * every one unref'd. A transport plug-in's container module injects `TOKENS.Clock` instead.
 */
export const SYSTEM_CLOCK: Clock = new SystemClock();

/**
 * The close-timer settings of a transport: its clock and close timeout. One object per transport
 * (or per client factory), shared by all its connections: a connection keeps a reference to it
 * in place of a `closeTimeout` field, so injecting the clock costs no memory per connection.
 */
export interface CloseTimerSettings {
  /** Default {@link SYSTEM_CLOCK}. */
  readonly clock?: Clock;
  /** How long to wait for the peer (close frame / FIN) before destroying the socket (ms). */
  readonly closeTimeout: number;
}

/**
 * The close timer of a connection: destroys `socket` after `settings.closeTimeout` unless
 * cleared first (the peer never finished the close handshake, or never sent its FIN). Unref'd
 * (every Clock adapter unrefs): it never keeps the process alive. The callback is module-level
 * and takes the socket as argument, so arming it creates no closure.
 */
export function armCloseTimer(settings: CloseTimerSettings, socket: Socket | Duplex): TimerHandle {
  return (settings.clock ?? SYSTEM_CLOCK).setTimeoutWith(destroySocket, settings.closeTimeout, socket);
}

/**
 * A timer with an argument on `clock` (default {@link SYSTEM_CLOCK}), for the other deadlines
 * of the socket core (the WebSocket client's connect timeout): `fn` module-level, no closure.
 */
export function armTimer<A>(clock: Clock | undefined, fn: (arg: A) => void, ms: number, arg: A): TimerHandle {
  return (clock ?? SYSTEM_CLOCK).setTimeoutWith(fn, ms, arg);
}

/** Clears a timer from {@link armCloseTimer} or {@link armTimer} on `clock`; returns null for the field. */
export function clearTimer(clock: Clock | undefined, timer: TimerHandle | null): null {
  if (timer !== null) (clock ?? SYSTEM_CLOCK).clearTimeout(timer);
  return null;
}

function destroySocket(socket: Socket | Duplex): void {
  socket.destroy();
}
