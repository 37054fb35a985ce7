import type { AttemptEnded, ConnectionAcceptor } from '../../ports/transport.port';
import { StelarErrorCode } from '../../domain/errors';

/** Where an attempt stood when its connect deadline passed. */
export type DeadlineStage = 'tls' | 'request' | 'hello' | 'screening';

/**
 * What a listener reports to `acceptor.attemptEnded` about attempts that end before the domain
 * takes them, beside the storm guard's sheds (handshake-admission.ts): a missed connect deadline
 * (`STELAR_ERR_CONNECT_TIMEOUT`) and a handshake refused before screening
 * (`STELAR_ERR_BAD_HANDSHAKE`). The domain counts them by code and logs them throttled
 * (docs/SECURITY.md, "Limits"). One per listener, shared by the WebSocket and TCP transports.
 */
export class AttemptReports {
  constructor(
    private readonly protocol: AttemptEnded['protocol'],
    private readonly connectTimeout: number,
  ) {}

  /** Reports an attempt past its deadline at `stage`; returns the reason (for the refusal sent, if any). */
  timedOut(acceptor: ConnectionAcceptor | null, remoteAddress: string, stage: DeadlineStage): string {
    const reason = deadlineReason(stage, this.connectTimeout);
    acceptor?.attemptEnded?.({ protocol: this.protocol, remoteAddress, code: StelarErrorCode.ConnectTimeout, reason });
    return reason;
  }

  /** Reports a malformed handshake (upgrade request, request head, TCP first frame) refused before screening. */
  badHandshake(acceptor: ConnectionAcceptor | null, remoteAddress: string, reason: string): void {
    acceptor?.attemptEnded?.({ protocol: this.protocol, remoteAddress, code: StelarErrorCode.BadHandshake, reason });
  }
}

function deadlineReason(stage: DeadlineStage, ms: number): string {
  switch (stage) {
    case 'tls':
      return `TLS handshake not finished within ${ms} ms`;
    case 'request':
      return `No complete request head within ${ms} ms`;
    case 'hello':
      return `No Connect frame within ${ms} ms`;
    case 'screening':
      return `Upgrade not screened within ${ms} ms`;
  }
}
