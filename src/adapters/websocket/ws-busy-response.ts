const BODY = 'Server busy, retry later';

/**
 * The pre-built answer to an upgrade shed under load (built once per listener, written as is):
 * `503 Service Unavailable` with `Retry-After` in whole seconds (RFC 9110 §10.2.3), which the
 * Stelar client honours with a random wait within that window.
 */
export function busyResponse(retryAfterSeconds: number): Buffer {
  return Buffer.from(
    'HTTP/1.1 503 Service Unavailable\r\n' +
      `Retry-After: ${retryAfterSeconds}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${BODY.length}\r\n` +
      '\r\n' +
      BODY,
    'latin1',
  );
}
