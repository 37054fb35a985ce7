/**
 * The two readers of HTTP request heads on a port Stelar owns (`httpParser`): Stelar's own
 * listener (raw net/tls, the default) and Node's http/https server. The handshake, conformance
 * and security suites run on both.
 */
export const HTTP_PARSERS = ['stelar', 'node'] as const;
export type HttpParser = (typeof HTTP_PARSERS)[number];
