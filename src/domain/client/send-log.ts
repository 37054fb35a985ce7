import type { OutboundMessage } from '../../ports/connection.port';

/** Most messages a client keeps unconfirmed (session recovery, client → server). */
export const MAX_UNCONFIRMED_MESSAGES = 1024;
/** Most encoded bytes a client keeps unconfirmed. */
export const MAX_UNCONFIRMED_BYTES = 8 * 1024 * 1024;

/** One message written with a sequence number and not yet confirmed by the server. */
export interface LoggedSend {
  readonly seq: number;
  readonly event: string;
  /** The encoded message, sequence number included: re-sent as it is after a resume. */
  readonly out: OutboundMessage;
}

/**
 * The client's half of client → server session recovery (docs/API.md, "Session recovery"):
 * numbers every message it writes in a session (1, 2, 3…) and keeps it until the server's
 * cumulative confirmation covers it; after a resume, what is left is re-sent in order before
 * anything new. Bounded by {@link MAX_UNCONFIRMED_MESSAGES} messages and
 * {@link MAX_UNCONFIRMED_BYTES} bytes: {@link hasRoom} says whether one more fits (the caller
 * refuses the send with a clear error, or leaves it in the offline queue, when it does not).
 * Also remembers which requests went out with a sequence number, so a drop does not reject
 * them (they are re-sent or answered after the resume).
 */
export class ClientSendLog {
  private entries: LoggedSend[] = [];
  private bytes = 0;
  private last = 0;
  /** Correlation ids of requests written in this session and not answered yet. */
  readonly requests = new Set<number>();

  constructor(
    private readonly maxMessages = MAX_UNCONFIRMED_MESSAGES,
    private readonly maxBytes = MAX_UNCONFIRMED_BYTES,
  ) {}

  /** Messages kept (written, not confirmed). */
  get size(): number {
    return this.entries.length;
  }

  /** Bytes kept. */
  get byteSize(): number {
    return this.bytes;
  }

  /** The sequence number the next message gets. */
  get nextSeq(): number {
    return this.last + 1;
  }

  /** True when a message of `bytes` more fits (an empty log always takes one). */
  hasRoom(bytes: number): boolean {
    const n = this.entries.length;
    return n === 0 || (n < this.maxMessages && this.bytes + bytes <= this.maxBytes);
  }

  /** Keeps a message written with sequence number {@link nextSeq}. */
  add(event: string, out: OutboundMessage, requestId?: number): void {
    this.entries.push({ seq: ++this.last, event, out });
    this.bytes += out.payload.byteLength;
    if (requestId !== undefined) this.requests.add(requestId);
  }

  /**
   * The server processed everything up to `seq`: those entries go (one splice per
   * confirmation; confirmations are batched, the log holds at most 1024). Returns how many.
   */
  confirm(seq: number): number {
    const e = this.entries;
    let n = 0;
    while (n < e.length && e[n].seq <= seq) this.bytes -= e[n++].out.payload.byteLength;
    if (n > 0) e.splice(0, n);
    return n;
  }

  /** What is kept, oldest first (to re-send after a resume). */
  unconfirmed(): readonly LoggedSend[] {
    return this.entries;
  }

  /** A new session: numbering restarts at 1, nothing is kept. Returns how many were dropped. */
  reset(): number {
    const n = this.entries.length;
    this.entries = [];
    this.bytes = 0;
    this.last = 0;
    this.requests.clear();
    return n;
  }
}
