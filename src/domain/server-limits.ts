/**
 * Connection limits the connection service reads on every use, so the application can change
 * them live (`ConnectionService.updateLimits` restarts the heartbeat timer when needed). The
 * values come from the server options; their defaults are in one table, `DEFAULTS` in
 * `application/server/server-options.ts`.
 */
export interface ServerLimits {
  /** Largest inbound message body in bytes; larger closes with 1009. */
  maxPayloadSize: number;
  /** Ping every this many ms; 0 disables heartbeats. */
  heartbeatInterval: number;
  /** Terminate a client whose last ping/pong is older than this many ms. */
  heartbeatTimeout: number;
  /** Upper bound in ms for the middleware chain of one connection. */
  connectTimeout: number;
  /**
   * Send-buffer size in bytes above which a client is a slow consumer for fan-out sends
   * (volatile messages are skipped, others close it with 1008). 0 or Infinity disables.
   */
  maxBufferedBytes: number;
  /**
   * Requests (AckRequests) one connection may have in flight, their handlers not done; one more
   * is answered with STELAR_ERR_TOO_MANY_REQUESTS (see `RequestBound`). The server always sets
   * it (default 1024); absent, as in limits built by hand for tools, requests are not bounded.
   */
  maxRequestsInFlight?: number;
}

/** Period of the maintenance timer (limiter and tracker cleanup), as in the type reference. */
export const CLEANUP_INTERVAL_MS = 30_000;
