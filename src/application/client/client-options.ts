import type { ClientTransportFactory } from '../../ports/client-transport.port';
import type { Protocol } from '../../ports/connection.port';
import type { Logger, LogLevel } from '../../ports/logger.port';
import { WS_PROTOCOL } from '../../adapters/websocket/ws.protocol';
import type { ClientState, StateChange } from '../../domain/client/client-state.machine';
import type { CustomReconnectDelay } from '../../domain/client/reconnect-backoff.policy';
import { assertKnownKeys } from '../unknown-options';

/** PEM text or bytes, or a list of them (as Node's `tls.connect` takes). */
export type TlsPem = string | Uint8Array | readonly (string | Uint8Array)[];

/** Hooks of a StelarClient (seed README, "Client Hooks"). Every hook is optional. */
export interface StelarClientHooks {
  /** Before a message is sent or queued; returning `false` cancels it. */
  onBeforeEmit?: (info: { event: string; data: unknown }) => boolean | void;
  /** Every event, binary event and ack push received. */
  onMessage?: (info: { event: string; data: unknown; isBinary: boolean }) => void;
  /** Every state change. */
  onStateChange?: (change: StateChange) => void;
  /** Sees the computed reconnection delay; a returned number >= 0 replaces it. */
  onReconnectDelay?: (info: { attempt: number; defaultDelay: number }) => number | void;
  /** A message went into the offline queue. */
  onMessageQueued?: (info: { event: string; queueSize: number }) => void;
  /** The offline queue was flushed after (re)connecting. */
  onQueueDrained?: (info: { count: number }) => void;
  /** Any error the client reports (connection, protocol, server, listener). */
  onError?: (info: { error: Error; context: string }) => void;
}

/** Options of `new StelarClient(target, options)`; defaults as in the seed README. */
export interface StelarClientOptions {
  reconnection?: boolean;
  reconnectionAttempts?: number;
  reconnectionDelay?: number;
  maxReconnectionDelay?: number;
  heartbeatInterval?: number;
  /** The transport's protocol id: 'ws' (default), 'tcp', 'memory' (in-process), or a plug-in's. */
  mode?: Protocol;
  maxPayloadSize?: number;
  maxFrameSize?: number;
  ackTimeout?: number;
  /**
   * Requests (and acked emits, room requests) waiting for their answer at once, sent or queued;
   * one more is refused at once with STELAR_ERR_TOO_MANY_REQUESTS. Default 1024, the server's.
   */
  maxRequestsInFlight?: number;
  messageQueueSize?: number;
  tls?: boolean;
  rejectUnauthorized?: boolean;
  /**
   * TLS (Node only): trusted CA certificate(s) in PEM, for a server whose certificate is not
   * signed by a public CA (a private CA or a self-signed certificate) — verification stays on.
   */
  ca?: TlsPem;
  /** TLS (Node only): client certificate in PEM, for servers that ask for one (mutual TLS). */
  cert?: TlsPem;
  /** TLS (Node only): private key of `cert`, in PEM. */
  key?: TlsPem;
  /** TLS (Node only): SNI name and the name the certificate is checked against (default: the target's host). */
  servername?: string;
  /** Extra headers for the WebSocket handshake (Node only; browsers cannot set them). */
  headers?: Record<string, string>;
  /**
   * A log level for the built-in console logger, a console-compatible logger, or a boolean
   * (`false` = silent, `true` = 'warn'), as the server accepts.
   */
  logger?: LogLevel | Logger | boolean;
  hooks?: StelarClientHooks;
  customReconnectDelay?: CustomReconnectDelay;
}

/** The options with every default applied. */
export interface ResolvedClientOptions {
  reconnection: boolean;
  reconnectionAttempts: number;
  reconnectionDelay: number;
  maxReconnectionDelay: number;
  heartbeatInterval: number;
  mode: Protocol;
  maxPayloadSize: number;
  maxFrameSize: number;
  ackTimeout: number;
  maxRequestsInFlight: number;
  messageQueueSize: number;
  tls: boolean;
  rejectUnauthorized: boolean;
  ca?: TlsPem;
  cert?: TlsPem;
  key?: TlsPem;
  servername?: string;
  headers: Record<string, string>;
  logger: LogLevel | Logger | boolean;
  hooks: StelarClientHooks;
  customReconnectDelay?: CustomReconnectDelay;
}

/**
 * The defaults of the seed README ("StelarClient — Options"): the contract, kept as documented
 * there (10 attempts, 1 s base, 30 s cap). Mass reconnects are paced by the server's retry hint
 * and the backoff's jitter, not by other defaults (docs/API.md "Reconnection").
 */
export const CLIENT_DEFAULTS: Readonly<ResolvedClientOptions> = Object.freeze({
  reconnection: true,
  reconnectionAttempts: 10,
  reconnectionDelay: 1000,
  maxReconnectionDelay: 30000,
  heartbeatInterval: 30000,
  mode: WS_PROTOCOL,
  maxPayloadSize: 10 * 1024 * 1024,
  maxFrameSize: 10 * 1024 * 1024,
  ackTimeout: 5000,
  maxRequestsInFlight: 1024,
  messageQueueSize: 100,
  tls: false,
  rejectUnauthorized: true,
  headers: {},
  logger: 'warn',
  hooks: {},
});

/**
 * Every client option, once (the compiler keeps it in step with {@link StelarClientOptions}): the
 * constructor and `updateOptions` refuse any other key with a "did you mean" suggestion.
 */
const CLIENT_OPTIONS: { readonly [K in keyof StelarClientOptions]-?: true } = {
  reconnection: true,
  reconnectionAttempts: true,
  reconnectionDelay: true,
  maxReconnectionDelay: true,
  heartbeatInterval: true,
  mode: true,
  maxPayloadSize: true,
  maxFrameSize: true,
  ackTimeout: true,
  maxRequestsInFlight: true,
  messageQueueSize: true,
  tls: true,
  rejectUnauthorized: true,
  ca: true,
  cert: true,
  key: true,
  servername: true,
  headers: true,
  logger: true,
  hooks: true,
  customReconnectDelay: true,
};
const CLIENT_OPTION_NAMES: ReadonlySet<string> = new Set(Object.keys(CLIENT_OPTIONS));

const CLIENT_HOOKS: { readonly [K in keyof StelarClientHooks]-?: true } = {
  onBeforeEmit: true,
  onMessage: true,
  onStateChange: true,
  onReconnectDelay: true,
  onMessageQueued: true,
  onQueueDrained: true,
  onError: true,
};
const CLIENT_HOOK_NAMES: ReadonlySet<string> = new Set(Object.keys(CLIENT_HOOKS));

function isPem(v: unknown): boolean {
  const one = (x: unknown): boolean => typeof x === 'string' || x instanceof Uint8Array;
  return one(v) || (Array.isArray(v) && v.every(one));
}

const NUMERIC: readonly (keyof ResolvedClientOptions)[] = [
  'reconnectionAttempts',
  'reconnectionDelay',
  'maxReconnectionDelay',
  'heartbeatInterval',
  'maxPayloadSize',
  'maxFrameSize',
  'ackTimeout',
  'messageQueueSize',
];

/**
 * Merges `patch` into `base` (hooks are merged key by key, so `updateOptions({ hooks: { a } })`
 * keeps the other hooks) and validates the result; a bad value is a caller mistake and throws
 * a TypeError/RangeError synchronously. `modes`: the protocol ids this build knows (the client
 * passes its transports'); `mode` must be one of them.
 */
export function mergeClientOptions(
  base: ResolvedClientOptions,
  patch: StelarClientOptions = {},
  modes?: readonly string[],
): ResolvedClientOptions {
  if (patch === null || typeof patch !== 'object') throw new TypeError('options must be an object');
  assertKnownKeys('StelarClient', 'option', patch, CLIENT_OPTION_NAMES);
  const out: ResolvedClientOptions = { ...base, hooks: { ...base.hooks }, headers: { ...base.headers } };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (key === 'hooks') {
      if (typeof value !== 'object' || value === null) throw new TypeError('hooks must be an object');
      assertKnownKeys('StelarClient', 'hook', value, CLIENT_HOOK_NAMES);
      for (const [h, fn] of Object.entries(value)) {
        if (fn !== undefined && fn !== null && typeof fn !== 'function') throw new TypeError(`hook ${h} must be a function`);
        (out.hooks as Record<string, unknown>)[h] = fn ?? undefined;
      }
    } else if (key === 'headers') {
      out.headers = { ...(value as Record<string, string>) };
    } else {
      (out as unknown as Record<string, unknown>)[key] = value;
    }
  }
  for (const key of NUMERIC) {
    const v = out[key] as number;
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0) throw new RangeError(`${key} must be a number >= 0, got ${v}`);
  }
  if (out.ackTimeout <= 0 || out.heartbeatInterval <= 0) throw new RangeError('ackTimeout and heartbeatInterval must be > 0');
  if (!Number.isInteger(out.messageQueueSize)) throw new RangeError('messageQueueSize must be an integer');
  if (!Number.isInteger(out.maxRequestsInFlight) || out.maxRequestsInFlight < 1) {
    throw new RangeError(`maxRequestsInFlight must be an integer >= 1, got ${out.maxRequestsInFlight}`);
  }
  if (typeof out.mode !== 'string' || out.mode.length === 0 || (modes !== undefined && !modes.includes(out.mode))) {
    const known = modes === undefined ? 'a protocol id' : modes.map((m) => `'${m}'`).join(' or ');
    throw new TypeError(`mode must be ${known}, got ${String(out.mode)}`);
  }
  for (const k of ['ca', 'cert', 'key'] as const) {
    if (out[k] !== undefined && !isPem(out[k])) throw new TypeError(`${k} must be PEM text or bytes (or an array of them)`);
  }
  if (out.servername !== undefined && (typeof out.servername !== 'string' || out.servername === '')) {
    throw new TypeError('servername must be a non-empty string');
  }
  if (out.customReconnectDelay !== undefined && typeof out.customReconnectDelay !== 'function') {
    throw new TypeError('customReconnectDelay must be a function');
  }
  return out;
}

/** Where a client dials, derived from its target and options. */
export interface ClientTarget {
  /** `ws://…`/`wss://…` for WebSocket, `tcp://host:port`/`tls://host:port` for TCP. */
  readonly url: string;
  readonly tls: boolean;
}

/** How a transport's targets are written (from its {@link ClientTransportFactory}). */
export type TargetRules = Pick<ClientTransportFactory, 'schemes' | 'schemeAliases' | 'keepsPath'>;

/**
 * Turns a constructor target into a URL, by the rules of the transports in `dialers` (looked up
 * by protocol id, so no protocol is named here):
 * - `3000` → `<plain scheme of mode>://localhost:3000` (`ws://…`; `tcp://…` in TCP mode);
 * - `'host:port'` → the mode's plain scheme, or its secure one with `tls` (`wss://`, `tls://`);
 *   a path is kept when the mode's transport keeps paths (WebSocket namespaces);
 * - a URL in any transport's scheme is kept, and its secure scheme implies TLS (`wss:`, `tls:`);
 * - a transport's scheme aliases are rewritten (`http://` → `ws://`, `https://` → `wss://`).
 */
export function resolveTarget(
  target: string | number,
  mode: Protocol,
  tls: boolean,
  dialers: Readonly<Partial<Record<Protocol, TargetRules>>>,
): ClientTarget {
  const own = dialers[mode];
  if (typeof target === 'number' || (typeof target === 'string' && /^\d+$/.test(target))) {
    const port = Number(target);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`invalid port ${target}`);
    return hostPort('localhost', port, mode, own, tls);
  }
  if (typeof target !== 'string' || target.length === 0) {
    throw new TypeError('target must be a port number, "host:port" or a URL');
  }
  const scheme = /^([a-z]+):\/\//i.exec(target)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    for (const rules of Object.values(dialers)) {
      if (rules === undefined) continue;
      const [plain, secure] = rules.schemes;
      if (scheme === plain || scheme === secure) return { url: target, tls: tls || scheme === secure };
      const alias = rules.schemeAliases?.[scheme];
      if (alias !== undefined) {
        const safe = tls || alias === secure;
        return { url: (safe ? secure : plain) + target.slice(scheme.length), tls: safe };
      }
    }
    throw new TypeError(`unsupported URL scheme "${scheme}:"`);
  }
  const m = /^(\[[^\]]+\]|[^:/]+):(\d{1,5})(\/.*)?$/.exec(target);
  if (!m) throw new TypeError(`target "${target}" is not a port, "host:port" or URL`);
  const port = Number(m[2]);
  if (port > 65535) throw new RangeError(`invalid port ${m[2]}`);
  const base = hostPort(m[1], port, mode, own, tls);
  return m[3] && own?.keepsPath ? { url: base.url + m[3], tls } : base;
}

/** A transport missing from this build still gets a URL (`<mode>://…`): dialing reports it. */
function hostPort(host: string, port: number, mode: Protocol, rules: TargetRules | undefined, tls: boolean): ClientTarget {
  const scheme = rules === undefined ? mode : rules.schemes[tls ? 1 : 0];
  return { url: `${scheme}://${host}:${port}`, tls };
}

/** Every state name, for validation and docs. */
export const CLIENT_STATES: readonly ClientState[] = ['disconnected', 'connecting', 'connected', 'reconnecting'];
