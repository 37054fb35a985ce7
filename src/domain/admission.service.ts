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
 * (429 / 1008).
 *
 * An attempt counts from its arrival: one that passes `screen` holds a slot ("pending") of the
 * global cap and is added to the per-IP tracker at once, until the transport either hands over
 * the connection (`accept` with the same info: the slot passes to the client, released when it
 * closes) or abandons it (`abandon`). So sockets that never say hello, unfinished handshakes
 * and connections still in middleware all count, and a burst of attempts from one address
 * cannot overshoot its cap while they are all in progress. An async tracker is asked for one
 * address at a time (check then add, in order), for the same reason.
 *
 * A tracker that throws or rejects is logged and treated as allowing the connection
 * (availability over strictness: the global cap still holds).
 */
export class AdmissionService {
  private max: number;
  private origins: ReadonlySet<string> | null;
  private pendingCount = 0;
  /** Screened attempts holding a slot and a tracker entry, until accept or abandon. */
  private readonly reservations = new Set<HandshakeInfo>();
  /** Per address: the tail of the async tracker answers in progress (serialised). */
  private readonly ipQueues = new Map<string, Promise<unknown>>();
  /** The last tracker add when it was async (read right after by reserveAsync). */
  private lastAdd: Promise<void> | undefined = undefined;

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

  /** Slots held by attempts: screened and not yet accepted, being screened, or in middleware. */
  get pending(): number {
    return this.pendingCount;
  }

  /** Registered clients plus pending attempts. */
  get load(): number {
    return this.clients.size + this.pendingCount;
  }

  /**
   * Null admits (and reserves a slot for `info`, see the class comment); a Refusal rejects.
   * Async only when the tracker's `check` is.
   */
  screen(info: HandshakeInfo): MaybePromise<Refusal | null> {
    // RFC 6455 §10.2: the Origin header is only meaningful for browser clients; the transport
    // says whether it has one (WebSocket), others (TCP, in-process) are never origin-checked.
    if (this.origins !== null && info.originApplies) {
      if (info.origin === undefined || !this.origins.has(info.origin)) return Refusals.originNotAllowed;
    }
    if (this.isFull(info.remoteAddress)) return Refusals.serverFull;
    const ip = info.remoteAddress;
    // A slot is held from now on: while an async tracker answers, parallel attempts see it.
    this.pendingCount++;
    const queued = this.ipQueues.get(ip);
    if (queued === undefined) {
      let allowed: MaybePromise<boolean>;
      try {
        allowed = this.tracker.check(ip);
      } catch (err) {
        this.logger.warn(`IP tracker check failed: ${errorMessage(err)}`);
        return this.reserve(info, true);
      }
      if (!isPromise<boolean>(allowed)) return this.reserve(info, allowed);
      return this.queue(ip, allowed.then(
        (ok) => this.reserveAsync(info, ok),
        (err: unknown) => {
          this.logger.warn(`IP tracker check failed: ${errorMessage(err)}`);
          return this.reserveAsync(info, true);
        },
      ));
    }
    // An answer for this address is in progress: check after it (and its add) settled.
    return this.queue(ip, queued.then(() => this.screenQueued(info)));
  }

  /** The tracker check of an attempt that waited for the previous one from its address. */
  private async screenQueued(info: HandshakeInfo): Promise<Refusal | null> {
    let allowed = true;
    try {
      allowed = await this.tracker.check(info.remoteAddress);
    } catch (err) {
      this.logger.warn(`IP tracker check failed: ${errorMessage(err)}`);
    }
    return this.reserveAsync(info, allowed);
  }

  /** reserve(), settling once the tracker's add is done (the next check from the address sees it). */
  private reserveAsync(info: HandshakeInfo, allowed: boolean): Promise<Refusal | null> | Refusal | null {
    const verdict = this.reserve(info, allowed);
    const added = this.lastAdd;
    this.lastAdd = undefined;
    return added === undefined ? verdict : added.then(() => verdict);
  }

  private queue(ip: string, answer: Promise<Refusal | null>): Promise<Refusal | null> {
    // (reserveAsync may return a plain verdict inside then(): the chain flattens it.)
    this.ipQueues.set(ip, answer);
    const done = (): void => {
      if (this.ipQueues.get(ip) === answer) this.ipQueues.delete(ip);
    };
    answer.then(done, done);
    return answer;
  }

  /** The tracker's verdict for an attempt holding a pending slot: keep it (and add) or free it. */
  private reserve(info: HandshakeInfo, allowed: boolean): Refusal | null {
    if (!allowed) {
      this.pendingCount--;
      return Refusals.tooManyFromIp;
    }
    this.reservations.add(info);
    this.trackerAdd(info.remoteAddress);
    return null;
  }

  /**
   * True (and fires `onMaxConnectionsReached`) when no slot is free. The connection service
   * calls it again when an unscreened connection is accepted.
   */
  isFull(ip: string): boolean {
    const active = this.load;
    if (active < this.max) return false;
    this.hooks.call('onMaxConnectionsReached', { activeConnections: active, max: this.max, ip });
    return true;
  }

  /**
   * The attempt screened with `info` became a connection: its slot (and tracker entry) now
   * belong to that connection's admission. False when `info` holds no reservation (a transport
   * that does not screen): the caller then takes a slot with {@link beginAdmission}.
   */
  claim(info: HandshakeInfo | undefined): boolean {
    return info !== undefined && this.reservations.delete(info);
  }

  /** A claimed attempt could not become a record after all: frees the slot claim() passed on. */
  releaseClaim(ip: string): void {
    this.endAdmission();
    this.released(ip);
  }

  /** The attempt screened with `info` ended before it became a connection: frees its slot. */
  abandon(info: HandshakeInfo): void {
    if (!this.reservations.delete(info)) return;
    this.pendingCount--;
    this.released(info.remoteAddress);
  }

  /** An unscreened accepted connection starts its admission (middleware): it holds a slot until end. */
  beginAdmission(): void {
    this.pendingCount++;
  }

  /** The admission of one connection finished (admitted, refused or closed). */
  endAdmission(): void {
    if (this.pendingCount > 0) this.pendingCount--;
  }

  /** A client from `ip` counts in the tracker (unscreened connections, at admission). */
  admitted(ip: string): void {
    this.trackerAdd(ip);
  }

  /** A client (or attempt) from `ip` that counted in the tracker went away. */
  released(ip: string): void {
    this.guard('remove', () => this.tracker.remove(ip));
  }

  private trackerAdd(ip: string): void {
    this.lastAdd = this.guard('add', () => this.tracker.add(ip));
  }

  /** Purges the tracker (called every 30 s). */
  cleanup(): void {
    this.guard('cleanup', () => this.tracker.cleanup());
  }

  /** Runs a tracker call; failures are logged. Returns the (caught) promise of an async one. */
  private guard(what: string, fn: () => MaybePromise<void>): Promise<void> | undefined {
    try {
      const r = fn();
      if (isPromise(r)) return r.then(undefined, (err: unknown) => this.logger.warn(`IP tracker ${what} failed: ${errorMessage(err)}`));
    } catch (err) {
      this.logger.warn(`IP tracker ${what} failed: ${errorMessage(err)}`);
    }
    return undefined;
  }
}
