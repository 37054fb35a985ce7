import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The plain-HTTP handler given to the WebSocket transport at construction time, pointing to a
 * target the server sets later (the health route needs the server's live stats).
 */
export class HttpRequestHook {
  private target: ((req: IncomingMessage, res: ServerResponse) => boolean) | null = null;

  /** Bound once so it can be passed around as a plain function. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): boolean =>
    this.target !== null && this.target(req, res);

  setTarget(target: (req: IncomingMessage, res: ServerResponse) => boolean): void {
    this.target = target;
  }
}
