import type { MessagePosition, SessionGrant } from '../../domain/message';
import { formatResumeOffer } from '../../domain/recovery/resume-offer';
import type { StreamPosition } from '../../ports/stream-store.port';
import type { ConnectInfo } from './client-deps';

/**
 * The client's half of session recovery (docs/API.md, "Session recovery"): the session id and
 * single-use token from the server's Connect message, and the last position seen in every
 * stream. Handed to the transport as the `x-stelar-session` dial header on each dial (the Node
 * WebSocket transport sends it as such; the TCP one in its hello's `session` field; the browser
 * one, which cannot send headers, in its first message: docs/PROTOCOL.md); positions already
 * seen are duplicates and are dropped. Shared by the Node and browser builds.
 */
export class ClientResumeState {
  private id = '';
  private token = '';
  private readonly positions = new Map<string, StreamPosition>();
  private offered = false;
  /** A Connect arrived since the last forget(): a later one is a reconnect. */
  private connectedBefore = false;
  /** True when the last Connect resumed the session. */
  recovered = false;

  /** The header value for the next dial (remembers that a resume was offered). */
  offer(): string {
    this.offered = this.id !== '';
    return formatResumeOffer(this.offered ? { id: this.id, token: this.token, positions: this.positions } : null);
  }

  /** The server's Connect: what the `connect` event reports. */
  started(clientId: string, grant: SessionGrant | undefined): ConnectInfo {
    const offered = this.offered;
    const reconnect = this.connectedBefore;
    this.offered = false;
    this.connectedBefore = true;
    if (grant === undefined) {
      // A server without recovery: a reconnect starts over, and says why.
      this.id = '';
      this.token = '';
      this.positions.clear();
      this.recovered = false;
      return offered || reconnect ? { recovered: false, reason: 'disabled' } : { recovered: false };
    }
    this.recovered = grant.recovered;
    if (!grant.recovered) this.positions.clear();
    this.id = clientId;
    this.token = grant.token;
    if (grant.recovered) return { recovered: true };
    return grant.reason === undefined ? { recovered: false } : { recovered: false, reason: grant.reason };
  }

  /** Records a position; false for one at or before the last seen in that stream (a duplicate). */
  seen(pos: MessagePosition): boolean {
    const last = this.positions.get(pos.stream);
    if (last !== undefined && last.epoch === pos.epoch && pos.offset <= last.offset) return false;
    this.positions.set(pos.stream, { offset: pos.offset, epoch: pos.epoch });
    return true;
  }

  /** The client disconnected on purpose: the session ends (nothing to resume). */
  forget(): void {
    this.id = '';
    this.token = '';
    this.positions.clear();
    this.recovered = false;
    this.connectedBefore = false;
  }
}
