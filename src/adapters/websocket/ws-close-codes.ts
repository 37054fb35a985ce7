/**
 * Close code validation (RFC 6455 §7.4.1, §7.4.2 and the IANA registry, §11.7).
 */

/**
 * True when `code` may appear in a close frame received from the peer.
 * Valid: 1000-1003, 1007-1014 (IANA-registered, sendable), 3000-4999 (libraries/applications).
 * 1004 is reserved, 1005/1006/1015 must never be put on the wire, 0-999 are unused, and
 * 1016-2999 are reserved for future RFCs, so receiving any of them is a protocol error (1002).
 */
export function isValidReceivedCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}

/** True when the local side may send `code` (same rule as receiving; 1015 is TLS-only). */
export function isValidSendCloseCode(code: number): boolean {
  return Number.isInteger(code) && isValidReceivedCloseCode(code);
}
