import type { IIPTracker } from '../ports/ip-tracker.port';
import type { Logger } from '../ports/logger.port';
import type { MaybePromise } from '../ports/maybe-promise';
import type { HandshakeInfo, Refusal } from '../ports/transport.port';
import type { ClientRegistry } from './client-registry.service';
import { CloseCode, StelarErrorCode } from './errors';
import type { HookRunner } from './hook-runner.service';
import { errorMessage } from './hook-runner.service';
import { isPromise } from './rate-limit-policy.service';

/** Admission settings; mutable live through {@link AdmissionService.configure}. */
export interface AdmissionOptions {
  /** Most simultaneous clients, counting admissions still in progress. */
  maxConnections: number;
  /** WebSocket Origin whitelist (exact match); unset or empty allows every origin. */
  allowedOrigins?: readonly string[];
}

/** Refusals the service hands out (frozen, shared). */
export const Refusals = {
  originNotAllowed: Object.freeze<Refusal>({
    status: 403,
    closeCode: CloseCode.PolicyViolation,
    code: StelarErrorCode.OriginNotAllowed,
    reason: 'Origin not allowed',
  }),
  serverFull: Object.freeze<Refusal>({
    status: 503,
    closeCode: CloseCode.TryAgainLater,
    code: StelarErrorCode.ServerFull,
    reason: 'Server is full',
  }),
  tooManyFromIp: Object.freeze<Refusal>({
    status: 429,
    closeCode: CloseCode.PolicyViolation,
    code: StelarErrorCode.TooManyFromIp,
    reason: 'Too many connections from this IP',
  }),
} as const;

/**
 * Screens connection attempts before the protocol handshake: origin whitelist (403), global
 * connection cap (503 / 1013, fires `onMaxConnectionsReached`), then the per-IP tracker
 * (429 / 1008). Attempts in progress hold a slot ("pending"), so concurrent attempts cannot
 * overshoot `maxConnections` while an async tracker or the middleware chain is running.
 *
 * A tracker that throws or rejects is logged and treated as allowing the connection
 * (availability over strictness: the global cap still holds).
 */
export class AdmissionService {
  private max: number;
  private origins: ReadonlySet<string> | null;
  private pendingCount = 0;

  constructor(
    private readonly clients: ClientRegistry,
    private readonly tracker: IIPTracker,
    private readonly hooks: HookRunner,
    private readonly logger: Logger,
    options: AdmissionOptions,
  ) {
    this.max = 0;
    this.origins = null;
    this.configure(options);
  }

  /** Live update of the cap and/or the origin whitelist. */
  configure(options: Partial<AdmissionOptions>): void {
    if (options.maxConnections !== undefined) {
      const m = options.maxConnections;
      if (typeof m !== 'number' || !(m >= 0)) throw new RangeError(`maxConnections must be ≥ 0, got ${m}`);
      this.max = m;
    }
    if ('allowedOrigins' in options) {
      const o = options.allowedOrigins;
      this.origins = o === undefined || o.length === 0 ? null : new Set(o);
    }
  }

  get maxConnections(): number {
    return this.max;
  }

  /** Attempts holding a slot: screens awaiting the tracker plus admissions in progress. */
  get pending(): number {
    return this.pendingCount;
  }

  /** Registered clients plus pending attempts. */
  get load(): number {
    return this.clients.size + this.pendingCount;
  }

  /** Null admits; a Refusal rejects. Async only when the tracker's `check` is. */
  screen(info: HandshakeInfo): MaybePromise<Refusal | null> {
    // RFC 6455 §10.2: the Origin header is only meaningful for browser clients; the transport
    // says whether it has one (WebSocket), others (TCP, in-process) are never origin-checked.
    if (this.origins !== null && info.originApplies) {
      if (info.origin === undefined || !this.origins.has(info.origin)) return Refusals.originNotAllowed;
    }
    if (this.isFull(info.remoteAddress)) return Refusals.serverFull;
    let allowed: MaybePromise<boolean>;
    try {
      allowed = this.tracker.check(info.remoteAddress);
    } catch (err) {
      this.logger.warn(`IP tracker check failed: ${errorMessage(err)}`);
      return null;
    }
    if (!isPromise<boolean>(allowed)) return allowed ? null : Refusals.tooManyFromIp;
    // Hold a slot while the tracker answers, so parallel attempts see each other.
    this.pendingCount++;
    return allowed.then(
      (ok) => {
        this.pendingCount--;
        return ok ? null : Refusals.tooManyFromIp;
      },
      (err: unknown) => {
        this.pendingCount--;
        this.logger.warn(`IP tracker check failed: ${errorMessage(err)}`);
        return null;
      },
    );
  }

  /**
   * True (and fires `onMaxConnectionsReached`) when no slot is free. The connection service
   * calls it again when a connection is accepted, because time passes between screening and
   * the end of the handshake.
   */
  isFull(ip: string): boolean {
    const active = this.load;
    if (active < this.max) return false;
    this.hooks.call('onMaxConnectionsReached', { activeConnections: active, max: this.max, ip });
    return true;
  }

  /** An accepted connection starts its admission (middleware): it holds a slot until end. */
  beginAdmission(): void {
    this.pendingCount++;
  }

  /** The admission of one connection finished (admitted, refused or closed). */
  endAdmission(): void {
    if (this.pendingCount > 0) this.pendingCount--;
  }

  /** A client from `ip` was admitted: count it in the tracker. */
  admitted(ip: string): void {
    this.guard('add', () => this.tracker.add(ip));
  }

  /** An admitted client from `ip` went away. */
  released(ip: string): void {
    this.guard('remove', () => this.tracker.remove(ip));
  }

  /** Purges the tracker (called every 30 s). */
  cleanup(): void {
    this.guard('cleanup', () => this.tracker.cleanup());
  }

  private guard(what: string, fn: () => MaybePromise<void>): void {
    try {
      const r = fn();
      if (isPromise(r)) r.then(undefined, (err: unknown) => this.logger.warn(`IP tracker ${what} failed: ${errorMessage(err)}`));
    } catch (err) {
      this.logger.warn(`IP tracker ${what} failed: ${errorMessage(err)}`);
    }
  }
}
