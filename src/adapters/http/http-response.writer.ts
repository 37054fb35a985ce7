import { EventEmitter } from 'node:events';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

type HeaderValue = number | string | readonly string[];

/**
 * The response of a built-in route (health, metrics, dashboard) on the own-port listener: the
 * part of Node's `ServerResponse` those routes and a `customHealthHandler` use (`statusCode`,
 * `setHeader`/`getHeader`/`hasHeader`/`removeHeader`/`getHeaders`, `writeHead`, `write`, `end`,
 * `headersSent`, `writableEnded`, the 'finish' and 'close' events), written as one minimal
 * HTTP/1.1 response: the body is collected and sent with its `Content-Length` (never chunked),
 * always with `Connection: close`, and the socket is closed once it is written. There is no
 * keep-alive on this path: every request of a built-in route costs one connection (health
 * probes and scrapes open one per request anyway).
 */
export class HttpResponseWriter extends EventEmitter {
  statusCode = 200;
  statusMessage = '';
  headersSent = false;
  writableEnded = false;
  private readonly fields = new Map<string, { name: string; value: HeaderValue }>();
  private body: Buffer[] = [];

  constructor(
    readonly socket: Socket,
    /** A HEAD request: the headers are sent, never a body. */
    private readonly headOnly: boolean,
  ) {
    super();
  }

  get finished(): boolean {
    return this.writableEnded;
  }

  setHeader(name: string, value: HeaderValue): this {
    this.fields.set(name.toLowerCase(), { name, value });
    return this;
  }

  getHeader(name: string): HeaderValue | undefined {
    return this.fields.get(name.toLowerCase())?.value;
  }

  hasHeader(name: string): boolean {
    return this.fields.has(name.toLowerCase());
  }

  removeHeader(name: string): void {
    this.fields.delete(name.toLowerCase());
  }

  getHeaderNames(): string[] {
    return [...this.fields.keys()];
  }

  getHeaders(): Record<string, HeaderValue> {
    const out: Record<string, HeaderValue> = Object.create(null) as Record<string, HeaderValue>;
    for (const [lower, f] of this.fields) out[lower] = f.value;
    return out;
  }

  /** `writeHead(status[, reason][, headers])`, as Node's. */
  writeHead(status: number, reason?: string | Record<string, HeaderValue>, headers?: Record<string, HeaderValue>): this {
    this.statusCode = status;
    if (typeof reason === 'string') this.statusMessage = reason;
    else headers = reason;
    if (headers !== undefined) for (const name of Object.keys(headers)) this.setHeader(name, headers[name]);
    return this;
  }

  flushHeaders(): void {}

  write(chunk: string | Uint8Array, encoding?: BufferEncoding | (() => void), cb?: () => void): boolean {
    if (this.writableEnded) return false;
    this.collect(chunk, typeof encoding === 'string' ? encoding : undefined);
    const done = typeof encoding === 'function' ? encoding : cb;
    if (done !== undefined) queueMicrotask(done);
    return true;
  }

  end(chunk?: string | Uint8Array | (() => void), encoding?: BufferEncoding | (() => void), cb?: () => void): this {
    if (this.writableEnded) return this;
    let done = cb;
    if (typeof chunk === 'function') done = chunk;
    else if (chunk !== undefined && chunk !== null) this.collect(chunk, typeof encoding === 'string' ? encoding : undefined);
    if (typeof encoding === 'function') done = encoding;
    this.writableEnded = true;
    this.headersSent = true;
    const body = Buffer.concat(this.body);
    this.body = [];
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) {
      socket.destroy();
      this.emit('close');
      return this;
    }
    const head = responseHead(this.statusCode, this.statusMessage, this.fields, body.length);
    socket.once('finish', () => {
      socket.destroy();
      this.emit('finish');
      done?.();
      this.emit('close');
    });
    socket.end(this.headOnly || !mayHaveBody(this.statusCode) ? head : Buffer.concat([Buffer.from(head, 'latin1'), body]));
    return this;
  }

  private collect(chunk: string | Uint8Array, encoding: BufferEncoding | undefined): void {
    this.headersSent = true;
    this.body.push(typeof chunk === 'string' ? Buffer.from(chunk, encoding ?? 'utf8') : Buffer.from(chunk));
  }
}

/** 1xx, 204 and 304 carry no body (RFC 9110 §6.4.1). */
function mayHaveBody(status: number): boolean {
  return status >= 200 && status !== 204 && status !== 304;
}

/**
 * The status line and header section: the route's headers (a `Content-Length` it set is kept,
 * so HEAD answers the length of the GET), `Content-Length` of the body otherwise, no
 * `Transfer-Encoding` (the body is whole) and `Connection: close`.
 */
export function responseHead(
  status: number,
  reason: string,
  fields: ReadonlyMap<string, { name: string; value: HeaderValue }>,
  bodyLength: number,
): string {
  let head = `HTTP/1.1 ${status} ${safe(reason || STATUS_CODES[status] || 'Unknown')}\r\n`;
  for (const [lower, f] of fields) {
    if (lower === 'connection' || lower === 'transfer-encoding') continue;
    if (Array.isArray(f.value)) for (const v of f.value as readonly string[]) head += `${f.name}: ${safe(v)}\r\n`;
    else head += `${f.name}: ${safe(String(f.value))}\r\n`;
  }
  if (!fields.has('content-length') && mayHaveBody(status)) head += `Content-Length: ${bodyLength}\r\n`;
  return head + 'Connection: close\r\n\r\n';
}

/** No CR or LF in a header (response splitting): they become spaces. */
function safe(text: string): string {
  return /[\r\n]/.test(text) ? text.replace(/[\r\n]/g, ' ') : text;
}
