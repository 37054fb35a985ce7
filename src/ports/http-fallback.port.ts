/**
 * Plain HTTP requests that reach a transport's HTTP server but are not an upgrade (the health
 * route). The WebSocket transport asks it first and answers 404 when it returns false. `req` and
 * `res` are Node's IncomingMessage and ServerResponse (unknown here: ports import no Node module).
 */
export interface HttpFallback {
  /** True when the request was answered. */
  handle(req: unknown, res: unknown): boolean;
}

export const HttpFallback = Symbol.for('stelar.HttpFallback');
