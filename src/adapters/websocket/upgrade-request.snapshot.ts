import { IncomingMessage, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { UpgradeRequest } from '../http/upgrade-request.types';

// Node's IncomingMessage members this file relies on that @types/node does not declare:
// `_addHeaderLines(raw, n)` stores raw headers and leaves `headers` to be built lazily, exactly
// as Node's HTTP parser does (Node >= 18); `joinDuplicateHeaders` is the http.Server option
// copied onto every request.
interface ParserFed {
  _addHeaderLines(raw: string[], n: number): void;
  joinDuplicateHeaders?: boolean;
}

// Header names are HTTP tokens and llhttp rejects NUL in values, so NUL separates them safely.
const SEP = '\0';

/**
 * What a WebSocket connection keeps of its HTTP upgrade request for `ctx.req` / `ctx.headers`.
 * An IncomingMessage held for the life of a connection costs about 1 KB (stream state, header
 * object, raw header strings); this keeps one flat string of the raw header lines and the URL,
 * and builds a real `IncomingMessage` only when the application asks for `ctx.req` (the
 * connection then caches it, so properties set on it by a middleware stay for later handlers).
 * The headers object (`ctx.headers`) is built on first use and kept too: the same object every
 * time, and the one the rebuilt request gets, as with a live request.
 */
export class UpgradeRequestSnapshot {
  private headerObject: IncomingHttpHeaders | null = null;

  private constructor(
    readonly method: string,
    readonly url: string,
    readonly httpVersionMajor: number,
    readonly httpVersionMinor: number,
    private readonly rawLines: string,
    private readonly joinDuplicates: boolean | undefined,
  ) {}

  static of(req: UpgradeRequest): UpgradeRequestSnapshot {
    return new UpgradeRequestSnapshot(
      req.method ?? 'GET',
      req.url ?? '/',
      req.httpVersionMajor,
      req.httpVersionMinor,
      req.rawHeaders.join(SEP),
      (req as unknown as ParserFed).joinDuplicateHeaders,
    );
  }

  /** The header lines as received: `[name, value, name, value, …]`, names in their own case. */
  rawHeaders(): string[] {
    return this.rawLines === '' ? [] : this.rawLines.split(SEP);
  }

  /**
   * The headers object with Node's exact rules (lower-case names, duplicates joined, dropped or
   * collected as Node's parser does for the same server options); built once.
   */
  headers(): IncomingHttpHeaders {
    if (this.headerObject === null) this.headerObject = this.fill(new IncomingMessage(null as unknown as Socket)).headers;
    return this.headerObject;
  }

  /**
   * A real IncomingMessage equal to the one the request arrived with, on `socket` (`upgrade`
   * false: a plain request of the own-port listener, whose body is empty and already ended).
   */
  materialize(socket: Socket, upgrade = true): IncomingMessage {
    const req = this.fill(new IncomingMessage(socket));
    req.method = this.method;
    req.url = this.url;
    req.httpVersionMajor = this.httpVersionMajor;
    req.httpVersionMinor = this.httpVersionMinor;
    req.httpVersion = `${this.httpVersionMajor}.${this.httpVersionMinor}`;
    req.complete = true;
    (req as { upgrade?: boolean }).upgrade = upgrade;
    if (this.headerObject !== null) req.headers = this.headerObject;
    if (!upgrade) req.push(null);
    return req;
  }

  private fill(req: IncomingMessage): IncomingMessage {
    const fed = req as unknown as ParserFed;
    if (this.joinDuplicates !== undefined) fed.joinDuplicateHeaders = this.joinDuplicates;
    const raw = this.rawHeaders();
    fed._addHeaderLines(raw, raw.length);
    return req;
  }
}
