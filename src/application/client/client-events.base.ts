import type { Logger } from '../../ports/logger.port';
import { ListenerRegistry, type Listener } from '../../domain/client/listener-registry';
import type { BinaryMeta } from '../../domain/message';
import { createClientLogger } from './client-logger';
import { CLIENT_DEFAULTS, mergeClientOptions, type ResolvedClientOptions, type StelarClientOptions } from './client-options';
import { clientModes, type StelarClientDeps } from './client-deps';
import type { DefaultEventsMap, EventsMap } from '../event-map.types';
import type { ClientEventNames, ClientListener } from './client-event-map.types';

/** Anything thrown, as an Error. */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * The listener and hook side of the client: on/off/once/onAll/onAck, error reporting and safe
 * hook calls. Extended by {@link ClientSendBase}, {@link ClientConnectionBase} and then `BaseStelarClient`.
 */
export abstract class ClientEventsBase<Listen extends EventsMap = DefaultEventsMap> {
  /** @internal */ readonly deps: StelarClientDeps;
  /** @internal */ opts: ResolvedClientOptions;
  /** @internal */ logger: Logger;
  /** @internal */ readonly listeners: ListenerRegistry;
  /** @internal */ readonly ackListeners: ListenerRegistry;
  /** @internal */ allListeners: Listener[] = [];
  protected lastError: Error | null = null;

  protected constructor(options: StelarClientOptions, deps: StelarClientDeps) {
    this.deps = deps;
    this.opts = mergeClientOptions(CLIENT_DEFAULTS, options, clientModes(deps));
    this.logger = createClientLogger(this.opts.logger);
    const onListenerError = (err: unknown, event: string): void => this.reportError(asError(err), `listener:${event}`);
    this.listeners = new ListenerRegistry(onListenerError);
    this.ackListeners = new ListenerRegistry(onListenerError);
  }

  // ---- listeners -------------------------------------------------------------------------
  /** Listens to `event` (a server event, or connect/disconnect/reconnecting/reconnect_failed/error). */
  on<E extends ClientEventNames<Listen>>(event: E, handler: ClientListener<Listen, E>): this {
    this.listeners.on(event, handler as Listener);
    return this;
  }

  /** Removes one listener of `event` (also one registered with once). */
  off<E extends ClientEventNames<Listen>>(event: E, handler: ClientListener<Listen, E>): this {
    this.listeners.off(event, handler as Listener);
    return this;
  }

  /** Listens to the next `event` only. */
  once<E extends ClientEventNames<Listen>>(event: E, handler: ClientListener<Listen, E>): this {
    this.listeners.once(event, handler as Listener);
    return this;
  }

  /** Listens to every server event (JSON and binary) as `{ event, data, isBinary, meta? }`. */
  onAll(handler: (msg: { event: string; data: unknown; isBinary: boolean; meta?: BinaryMeta }) => void): this {
    if (typeof handler !== 'function') throw new TypeError('listener must be a function');
    this.allListeners = [...this.allListeners, handler];
    return this;
  }

  /** Removes an onAll listener. */
  offAll(handler: Listener): this {
    this.allListeners = this.allListeners.filter((h) => h !== handler);
    return this;
  }

  /** Listens to ACK responses named `name`: server pushes and answers to `emit(…, { ack })`. */
  onAck(name: string, handler: (data: unknown) => void): this {
    this.ackListeners.on(name, handler);
    return this;
  }

  /** Removes an onAck listener. */
  offAck(name: string, handler: Listener): this {
    this.ackListeners.off(name, handler);
    return this;
  }

  /** Removes the listeners of `event`, or every listener (on, onAll, onAck) when omitted. */
  removeAllListeners(event?: ClientEventNames<Listen>): this {
    this.listeners.removeAll(event);
    if (event === undefined) {
      this.ackListeners.removeAll();
      this.allListeners = [];
    }
    return this;
  }

  /** The last error reported (connection, protocol, server, listener), or null. */
  getLastError(): Error | null {
    return this.lastError;
  }

  /** @internal Reports an error to onError, `error` listeners, or the logger. */
  reportError(error: Error, context: string): void {
    this.lastError = error;
    const hook = this.opts.hooks.onError;
    if (hook) {
      try {
        hook({ error, context });
      } catch (err) {
        this.logger.error('[stelar-client] onError hook threw', err);
      }
    }
    if (this.listeners.count('error') > 0) this.listeners.dispatch('error', error);
    else if (!hook) this.logger.warn(`[stelar-client] ${context}: ${error.message}`);
  }

  /** @internal Calls a hook; a throwing hook is reported, never propagated. */
  callHook<K extends keyof ResolvedClientOptions['hooks']>(name: K, arg: Parameters<NonNullable<ResolvedClientOptions['hooks'][K]>>[0]): unknown {
    const hook = this.opts.hooks[name] as ((a: unknown) => unknown) | undefined;
    if (!hook) return undefined;
    try {
      return hook(arg);
    } catch (err) {
      if (name !== 'onError') this.reportError(asError(err), `hook:${name}`);
      return undefined;
    }
  }
}
