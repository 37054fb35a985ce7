import { createHttpError, type HttpHeadError } from '../socket/protocol-errors';

/**
 * Bounds of one request head. Every figure is in bytes of the wire (CRLF included) except
 * `maxHeaders`. The defaults match Node's http server (16 KiB of head, llhttp's limit).
 */
export interface HttpHeadLimits {
  /** The request line (`GET /path HTTP/1.1\r\n`); over it: 414 URI Too Long. */
  readonly maxRequestLineBytes: number;
  /** One header line; over it: 431. */
  readonly maxHeaderLineBytes: number;
  /** Header lines; over it: 431. */
  readonly maxHeaders: number;
  /** Every header line together; over it: 431. */
  readonly maxHeaderBytes: number;
  /** The whole head, leading empty lines and the final CRLF included; over it: 431. */
  readonly maxHeadBytes: number;
}

export const HTTP_HEAD_LIMITS: HttpHeadLimits = Object.freeze({
  maxRequestLineBytes: 8192,
  maxHeaderLineBytes: 8192,
  maxHeaders: 100,
  maxHeaderBytes: 16384,
  maxHeadBytes: 16384,
});

/** A complete, valid request head. */
export interface HttpRequestHead {
  readonly method: string;
  /** The request-target as received (origin-form `/path?q`, or any other visible form). */
  readonly url: string;
  readonly httpVersionMajor: number;
  readonly httpVersionMinor: number;
  /** `[name, value, name, value, …]`: names in their own case, values trimmed (Node's `rawHeaders`). */
  readonly rawHeaders: string[];
  /** Lower-case names; duplicates combined as Node's IncomingMessage does (`headers`). */
  readonly headers: Record<string, string | string[]>;
  /** Content-Length's value, -1 without one. */
  readonly contentLength: number;
  /** A Transfer-Encoding header was present (a body of unknown length follows). */
  readonly transferEncoding: boolean;
}

/** What {@link HttpRequestHeadParser.push} says about the bytes it was given. */
export const HeadResult = {
  /** Everything was consumed and the head is not complete yet. */
  NeedMore: 0,
  /** The head is complete: `head`, and `consumed` bytes of the last chunk belonged to it. */
  Done: 1,
  /** The head is invalid: `error` (its `status` is the answer). Nothing more is read. */
  Failed: 2,
} as const;
export type HeadResult = (typeof HeadResult)[keyof typeof HeadResult];

// States of the machine (RFC 9112 §2.2, §3, §5). A LF is accepted only after a CR and a CR only
// before a LF: a bare LF or a bare CR anywhere is a 400 (§2.2 allows recognising a bare LF; a
// strict server does not, so the head is framed one way only).
const START = 0; //        before the request line: empty lines (CRLF) are skipped (§2.2)
const START_LF = 1; //     a CR of an empty leading line, its LF next
const METHOD = 2; //       method = token
const TARGET = 3; //       request-target: visible ASCII, one SP on each side
const VERSION = 4; //      "HTTP/" DIGIT "." DIGIT
const LINE_LF = 5; //      the request line's CR was read
const FIELD_START = 6; //  the start of a header line, or the CR of the empty line
const NAME = 7; //         field-name = token, then ':' with no whitespace before it (§5.1)
const VALUE_OWS = 8; //    whitespace before the value
const VALUE = 9; //        field-value: VCHAR / obs-text / SP / HTAB
const FIELD_LF = 10; //    a header line's CR was read
const END_LF = 11; //      the empty line's CR was read
const DONE = 12;
const FAILED = 13;

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;
const VERSION_PREFIX = 'HTTP/';

/** tchar (RFC 9110 §5.6.2). */
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;
/** A request-target byte: VCHAR (the URI grammar is narrower; routing decides the rest). */
const TARGET_CHAR = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) TARGET_CHAR[c] = 1;
/** field-vchar / SP / HTAB (RFC 9110 §5.5): no NUL, no other control, no DEL. */
const VALUE_CHAR = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) VALUE_CHAR[c] = 1;
for (let c = 0x80; c <= 0xff; c++) VALUE_CHAR[c] = 1;
VALUE_CHAR[SP] = 1;
VALUE_CHAR[HTAB] = 1;

/** Node's IncomingMessage keeps the first of these and drops later duplicates. */
const FIRST_WINS = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host',
  'if-modified-since', 'if-unmodified-since', 'last-modified', 'location', 'max-forwards',
  'proxy-authorization', 'referer', 'retry-after', 'server', 'user-agent',
]);

/**
 * A strict, bounded HTTP/1.1 request-head parser (RFC 9112), written as an explicit state
 * machine over bytes: the own-port listener's replacement for Node's http parser on the upgrade
 * path. It reads the request line and the header lines up to the empty line and stops; a body is
 * not its business (the caller refuses one). Any split of the input gives the same result: a
 * token cut by a chunk boundary is carried over as a string.
 *
 * Refusals, each a `createHttpError` with its status: 400 for anything malformed (bare CR or LF,
 * obs-fold, whitespace before a header's colon or before the first header, a byte outside the
 * grammar, two Host or two Content-Length headers, a non-numeric Content-Length, both
 * Content-Length and Transfer-Encoding, an HTTP/1.1 request without Host); 414 for a request
 * line over its limit; 431 for a header line, header count, header bytes or head over theirs;
 * 505 for an HTTP major version other than 1. The method is any token: what a route accepts
 * (405) is the route's decision.
 *
 * Memory: a few numbers and the strings of the head being read; nothing is kept after `Done`
 * but the head itself.
 */
export class HttpRequestHeadParser {
  /** The parsed head after `Done`. */
  head: HttpRequestHead | null = null;
  /** Why the head was refused after `Failed`. */
  error: HttpHeadError | null = null;
  /** After `Done`: how many bytes of the last chunk belonged to the head (the rest follows it). */
  consumed = 0;

  private state = START;
  /** Bytes of the head so far, and of the current line. */
  private headBytes = 0;
  private lineBytes = 0;
  private headerBytes = 0;
  /** The token being read, when it started in an earlier chunk (latin1). */
  private partial = '';
  private method = '';
  private url = '';
  /** Bytes of "HTTP/x.y" read so far, and the digits. */
  private versionAt = 0;
  private major = 0;
  private minor = 0;
  private name = '';
  private rawHeaders: string[] = [];
  private headers: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  private contentLength = -1;
  private transferEncoding = false;
  private hasHost = false;

  constructor(private readonly limits: HttpHeadLimits = HTTP_HEAD_LIMITS) {}

  /** True once the parser is done or failed (it reads nothing more). */
  get finished(): boolean {
    return this.state === DONE || this.state === FAILED;
  }

  /** Feeds the next bytes of the stream. */
  push(chunk: Buffer): HeadResult {
    if (this.state === DONE) return HeadResult.Done;
    if (this.state === FAILED) return HeadResult.Failed;
    const limits = this.limits;
    const len = chunk.length;
    // Where the token in progress starts in this chunk (-1: none in progress here).
    let mark = this.state === METHOD || this.state === TARGET || this.state === NAME || this.state === VALUE ? 0 : -1;
    for (let i = 0; i < len; i++) {
      const c = chunk[i];
      if (++this.headBytes > limits.maxHeadBytes) return this.fail(431, `the request head is over ${limits.maxHeadBytes} bytes`);
      const line = ++this.lineBytes;
      switch (this.state) {
        case START:
          if (c === CR) this.state = START_LF;
          else if (TOKEN[c] === 1) {
            this.state = METHOD;
            mark = i;
          } else return this.fail(400, c === LF ? 'bare LF before the request line' : 'the request line does not start with a method');
          break;
        case START_LF:
          if (c !== LF) return this.fail(400, 'bare CR before the request line');
          this.state = START;
          this.lineBytes = 0;
          break;
        case METHOD:
          if (line > limits.maxRequestLineBytes) return this.fail(414, `the request line is over ${limits.maxRequestLineBytes} bytes`);
          if (TOKEN[c] === 1) break;
          if (c !== SP) return this.fail(400, 'invalid character in the method');
          this.method = canonicalMethod(this.take(chunk, mark, i));
          mark = -1;
          this.state = TARGET;
          break;
        case TARGET:
          if (line > limits.maxRequestLineBytes) return this.fail(414, `the request line is over ${limits.maxRequestLineBytes} bytes`);
          if (TARGET_CHAR[c] === 1) {
            if (mark === -1) mark = i;
            break;
          }
          if (c !== SP) return this.fail(400, 'invalid character in the request target');
          this.url = this.take(chunk, mark, i);
          mark = -1;
          if (this.url === '') return this.fail(400, 'empty request target');
          this.state = VERSION;
          break;
        case VERSION: {
          if (line > limits.maxRequestLineBytes) return this.fail(414, `the request line is over ${limits.maxRequestLineBytes} bytes`);
          const at = this.versionAt++;
          if (at < 5) {
            if (c !== VERSION_PREFIX.charCodeAt(at)) return this.fail(400, 'invalid HTTP version');
          } else if (at === 5 || at === 7) {
            if (c < 0x30 || c > 0x39) return this.fail(400, 'invalid HTTP version');
            if (at === 5) this.major = c - 0x30;
            else this.minor = c - 0x30;
          } else if (at === 6) {
            if (c !== 0x2e) return this.fail(400, 'invalid HTTP version');
          } else {
            if (c !== CR) return this.fail(400, c === LF ? 'bare LF after the request line' : 'invalid HTTP version');
            if (this.major !== 1) return this.fail(505, `HTTP/${this.major}.${this.minor} is not supported`);
            this.state = LINE_LF;
          }
          break;
        }
        case LINE_LF:
          if (c !== LF) return this.fail(400, 'bare CR after the request line');
          if (line > limits.maxRequestLineBytes) return this.fail(414, `the request line is over ${limits.maxRequestLineBytes} bytes`);
          this.state = FIELD_START;
          this.lineBytes = 0;
          break;
        case FIELD_START:
          if (c === CR) this.state = END_LF;
          else if (TOKEN[c] === 1) {
            if (this.rawHeaders.length >= limits.maxHeaders * 2) return this.fail(431, `more than ${limits.maxHeaders} header lines`);
            this.state = NAME;
            mark = i;
          } else if (c === SP || c === HTAB) {
            return this.fail(400, this.rawHeaders.length === 0 ? 'whitespace before the first header' : 'obsolete line folding');
          } else return this.fail(400, c === LF ? 'bare LF in the header section' : 'invalid character in a header name');
          break;
        case NAME:
          if (line > limits.maxHeaderLineBytes) return this.fail(431, `a header line is over ${limits.maxHeaderLineBytes} bytes`);
          if (TOKEN[c] === 1) break;
          if (c !== COLON) {
            return this.fail(400, c === SP || c === HTAB ? 'whitespace between a header name and its colon' : 'invalid character in a header name');
          }
          this.name = this.take(chunk, mark, i);
          mark = -1;
          this.state = VALUE_OWS;
          break;
        case VALUE_OWS:
          if (line > limits.maxHeaderLineBytes) return this.fail(431, `a header line is over ${limits.maxHeaderLineBytes} bytes`);
          if (c === SP || c === HTAB) break;
          if (c === CR) {
            if (!this.field('')) return HeadResult.Failed;
            this.state = FIELD_LF;
          } else if (VALUE_CHAR[c] === 1) {
            this.state = VALUE;
            mark = i;
          } else return this.fail(400, c === LF ? 'bare LF in a header line' : 'invalid character in a header value');
          break;
        case VALUE:
          if (line > limits.maxHeaderLineBytes) return this.fail(431, `a header line is over ${limits.maxHeaderLineBytes} bytes`);
          if (VALUE_CHAR[c] === 1) break;
          if (c !== CR) return this.fail(400, c === LF ? 'bare LF in a header line' : 'invalid character in a header value');
          if (!this.field(trimEnd(this.take(chunk, mark, i)))) return HeadResult.Failed;
          mark = -1;
          this.state = FIELD_LF;
          break;
        case FIELD_LF:
          if (c !== LF) return this.fail(400, 'bare CR in a header line');
          if (line > limits.maxHeaderLineBytes) return this.fail(431, `a header line is over ${limits.maxHeaderLineBytes} bytes`);
          this.headerBytes += line;
          if (this.headerBytes > limits.maxHeaderBytes) return this.fail(431, `the headers are over ${limits.maxHeaderBytes} bytes`);
          this.state = FIELD_START;
          this.lineBytes = 0;
          break;
        case END_LF:
          if (c !== LF) return this.fail(400, 'bare CR ending the header section');
          this.consumed = i + 1;
          return this.finish();
      }
    }
    // The chunk ended inside a token: keep what was read of it.
    if (mark !== -1) this.partial += latin1(chunk, mark, len);
    return HeadResult.NeedMore;
  }

  /** The token that ends at `end` (its start `mark` in this chunk, or carried over). */
  private take(chunk: Buffer, mark: number, end: number): string {
    const head = this.partial;
    this.partial = '';
    if (mark === -1) return head;
    const tail = latin1(chunk, mark, end);
    return head === '' ? tail : head + tail;
  }

  /** One complete header line (`name` is set): the duplicate and framing rules, then stored. */
  private field(value: string): boolean {
    const name = this.name;
    const lower = name.toLowerCase();
    if (lower === 'host') {
      if (this.hasHost) return this.failed(400, 'more than one Host header');
      this.hasHost = true;
    } else if (lower === 'content-length') {
      if (this.contentLength !== -1) return this.failed(400, 'more than one Content-Length header');
      if (!/^\d{1,15}$/.test(value)) return this.failed(400, 'invalid Content-Length');
      this.contentLength = Number(value);
    } else if (lower === 'transfer-encoding') {
      this.transferEncoding = true;
    }
    this.rawHeaders.push(name, value);
    addHeader(this.headers, lower, value);
    return true;
  }

  private finish(): HeadResult {
    if (this.major === 1 && this.minor >= 1 && !this.hasHost) return this.fail(400, 'an HTTP/1.1 request without a Host header');
    if (this.transferEncoding && this.contentLength !== -1) return this.fail(400, 'both Content-Length and Transfer-Encoding');
    this.state = DONE;
    this.head = {
      method: this.method,
      url: this.url,
      httpVersionMajor: this.major,
      httpVersionMinor: this.minor,
      rawHeaders: this.rawHeaders,
      headers: this.headers,
      contentLength: this.contentLength,
      transferEncoding: this.transferEncoding,
    };
    return HeadResult.Done;
  }

  private failed(status: number, detail: string): false {
    this.fail(status, detail);
    return false;
  }

  private fail(status: number, detail: string): HeadResult {
    this.state = FAILED;
    this.error = createHttpError(status, detail);
    this.partial = '';
    this.rawHeaders = [];
    return HeadResult.Failed;
  }
}

/** The common methods as the engine's one internalised string (a connection keeps its method: no copy each). */
function canonicalMethod(m: string): string {
  switch (m) {
    case 'GET':
      return 'GET';
    case 'HEAD':
      return 'HEAD';
    case 'OPTIONS':
      return 'OPTIONS';
    case 'POST':
      return 'POST';
    default:
      return m;
  }
}

function latin1(chunk: Buffer, start: number, end: number): string {
  return chunk.toString('latin1', start, end);
}

/** Trailing SP / HTAB off (a value starts at a non-whitespace byte already). */
function trimEnd(value: string): string {
  let end = value.length;
  while (end > 0) {
    const c = value.charCodeAt(end - 1);
    if (c !== SP && c !== HTAB) break;
    end--;
  }
  return end === value.length ? value : value.slice(0, end);
}

/** Node's rules for a repeated header: first wins, Set-Cookie collects, Cookie joins with '; ', others ', '. */
function addHeader(headers: Record<string, string | string[]>, lower: string, value: string): void {
  const prev = headers[lower];
  if (prev === undefined) {
    headers[lower] = lower === 'set-cookie' ? [value] : value;
  } else if (lower === 'set-cookie') {
    (prev as string[]).push(value);
  } else if (!FIRST_WINS.has(lower)) {
    headers[lower] = prev + (lower === 'cookie' ? '; ' : ', ') + value;
  }
}
