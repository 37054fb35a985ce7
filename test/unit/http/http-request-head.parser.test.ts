import {
  HTTP_HEAD_LIMITS,
  HeadResult,
  HttpRequestHeadParser,
  type HttpHeadLimits,
} from '../../../src/adapters/http/http-request-head.parser';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { ProtocolError, StelarErrorCode } from '../../../src/domain/errors';

const UPGRADE =
  'GET /chat?room=1 HTTP/1.1\r\n' +
  'Host: example.com:8080\r\n' +
  'Upgrade: websocket\r\n' +
  'Connection: keep-alive, Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
  'Sec-WebSocket-Version: 13\r\n' +
  'X-Multi: a\r\n' +
  'x-multi: b\r\n' +
  'Cookie: a=1\r\n' +
  'Cookie: b=2\r\n' +
  'Set-Cookie: c=3\r\n' +
  'Set-Cookie: d=4\r\n' +
  'User-Agent: first\r\n' +
  'User-Agent: second\r\n' +
  'X-Spaces: \t  padded value \t \r\n' +
  'X-Empty:\r\n' +
  'X-Latin1: caf\xe9\r\n' +
  '\r\n';

type Outcome = { result: HeadResult; rest: string; head?: unknown; status?: number; message?: string };

/** Feeds `chunks` in order; stops at the first chunk that finishes the head. */
function parse(chunks: Buffer[], limits?: HttpHeadLimits): Outcome {
  const p = new HttpRequestHeadParser(limits);
  for (let i = 0; i < chunks.length; i++) {
    const r = p.push(chunks[i]);
    if (r === HeadResult.Done) {
      const rest = Buffer.concat([chunks[i].subarray(p.consumed), ...chunks.slice(i + 1)]).toString('latin1');
      return { result: r, rest, head: p.head };
    }
    if (r === HeadResult.Failed) return { result: r, rest: '', status: p.error?.status, message: p.error?.message };
  }
  return { result: HeadResult.NeedMore, rest: '' };
}

function whole(text: string, limits?: HttpHeadLimits): Outcome {
  return parse([Buffer.from(text, 'latin1')], limits);
}

function bytes(text: string): Buffer[] {
  const b = Buffer.from(text, 'latin1');
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i++) out.push(b.subarray(i, i + 1));
  return out;
}

/** Deterministic random chunking (xorshift), so a failure replays. */
function randomChunks(text: string, seed: number): Buffer[] {
  const b = Buffer.from(text, 'latin1');
  let x = seed | 1;
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; ) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const n = 1 + ((x >>> 0) % 17);
    out.push(b.subarray(i, i + n));
    i += n;
  }
  return out;
}

function expectStatus(text: string, status: number, pattern?: RegExp, limits?: HttpHeadLimits): void {
  const o = whole(text, limits);
  expect(o.result).toBe(HeadResult.Failed);
  expect(o.status).toBe(status);
  if (pattern) expect(o.message).toMatch(pattern);
  // The same refusal whatever the chunking.
  const one = parse(bytes(text), limits);
  expect([one.result, one.status, one.message]).toEqual([o.result, o.status, o.message]);
}

describe('HttpRequestHeadParser: a valid head', () => {
  it('reads the request line and every header with Node\'s combining rules', () => {
    const o = whole(UPGRADE + '\x81\x80rest');
    expect(o.result).toBe(HeadResult.Done);
    expect(o.rest).toBe('\x81\x80rest');
    expect(o.head).toMatchObject({
      method: 'GET',
      url: '/chat?room=1',
      httpVersionMajor: 1,
      httpVersionMinor: 1,
      contentLength: -1,
      transferEncoding: false,
    });
    const head = o.head as { headers: Record<string, unknown>; rawHeaders: string[] };
    expect({ ...head.headers }).toEqual({
      host: 'example.com:8080',
      upgrade: 'websocket',
      connection: 'keep-alive, Upgrade',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
      'x-multi': 'a, b',
      cookie: 'a=1; b=2',
      'set-cookie': ['c=3', 'd=4'],
      'user-agent': 'first',
      'x-spaces': 'padded value',
      'x-empty': '',
      'x-latin1': 'caf\xe9',
    });
    expect(head.rawHeaders.slice(0, 4)).toEqual(['Host', 'example.com:8080', 'Upgrade', 'websocket']);
    expect(head.rawHeaders).toHaveLength(32);
    // The headers object is the one Node's IncomingMessage builds from the same raw lines.
    const node = new IncomingMessage(new Socket());
    (node as unknown as { _addHeaderLines(raw: string[], n: number): void })._addHeaderLines(head.rawHeaders, head.rawHeaders.length);
    expect({ ...head.headers }).toEqual({ ...node.headers });
  });

  it('gives the same head and the same rest split at every byte boundary', () => {
    const input = UPGRADE + 'AFTER';
    const expected = whole(input);
    for (let at = 0; at <= input.length; at++) {
      const b = Buffer.from(input, 'latin1');
      const o = parse([b.subarray(0, at), b.subarray(at)]);
      expect(o).toEqual(expected);
    }
  });

  it('gives the same head one byte at a time and in random chunks', () => {
    const input = UPGRADE + 'AFTER';
    const expected = whole(input);
    expect(parse(bytes(input))).toEqual(expected);
    for (let seed = 1; seed <= 200; seed++) expect(parse(randomChunks(input, seed))).toEqual(expected);
  });

  it('needs more until the empty line, and reads nothing after Done or Failed', () => {
    const p = new HttpRequestHeadParser();
    expect(p.push(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n'))).toBe(HeadResult.NeedMore);
    expect(p.finished).toBe(false);
    expect(p.push(Buffer.from('\r'))).toBe(HeadResult.NeedMore);
    expect(p.push(Buffer.from('\nxyz'))).toBe(HeadResult.Done);
    expect(p.consumed).toBe(1);
    expect(p.finished).toBe(true);
    expect(p.push(Buffer.from('GET'))).toBe(HeadResult.Done);
    const f = new HttpRequestHeadParser();
    expect(f.push(Buffer.from('\n'))).toBe(HeadResult.Failed);
    expect(f.push(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).toBe(HeadResult.Failed);
  });

  it('skips empty lines before the request line (RFC 9112 §2.2)', () => {
    expect(whole('\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n').head).toMatchObject({ method: 'GET', url: '/' });
  });

  it('accepts HTTP/1.0 without Host, any token method, a Content-Length and Transfer-Encoding alone', () => {
    expect(whole('GET /health HTTP/1.0\r\n\r\n').head).toMatchObject({ httpVersionMinor: 0, url: '/health' });
    expect(whole('M-SEARCH * HTTP/1.1\r\nHost: x\r\n\r\n').head).toMatchObject({ method: 'M-SEARCH', url: '*' });
    expect(whole('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0012\r\n\r\n').head).toMatchObject({ contentLength: 12 });
    expect(whole('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n').head).toMatchObject({ transferEncoding: true });
  });

  it('keeps a header named __proto__ as data (no prototype)', () => {
    const head = whole('GET / HTTP/1.1\r\nHost: x\r\n__proto__: y\r\n\r\n').head as { headers: Record<string, unknown> };
    expect(head.headers['__proto__']).toBe('y');
    expect(Object.getPrototypeOf(head.headers)).toBeNull();
  });
});

describe('HttpRequestHeadParser: refusals (every state)', () => {
  const H = 'Host: x\r\n';
  it.each([
    ['START: a bare LF first', '\nGET / HTTP/1.1\r\n\r\n', 400, /bare LF/],
    ['START: no method', ' / HTTP/1.1\r\n\r\n', 400, /method/],
    ['START_LF: a bare CR before the request line', '\rGET / HTTP/1.1\r\n\r\n', 400, /bare CR/],
    ['METHOD: an invalid character', 'G(T / HTTP/1.1\r\n\r\n', 400, /method/],
    ['METHOD: a tab instead of SP', 'GET\t/ HTTP/1.1\r\n\r\n', 400, /method/],
    ['TARGET: two spaces', 'GET  / HTTP/1.1\r\n\r\n', 400, /empty request target/],
    ['TARGET: a control character', 'GET /a\x01b HTTP/1.1\r\n\r\n', 400, /request target/],
    ['TARGET: a byte above 0x7e', 'GET /caf\xe9 HTTP/1.1\r\n\r\n', 400, /request target/],
    ['TARGET: ends with CRLF (HTTP/0.9 form)', 'GET /\r\n\r\n', 400, /request target/],
    ['VERSION: lower case', 'GET / http/1.1\r\n\r\n', 400, /version/],
    ['VERSION: two digits', 'GET / HTTP/11.1\r\n\r\n', 400, /version/],
    ['VERSION: no dot', 'GET / HTTP/1-1\r\n\r\n', 400, /version/],
    ['VERSION: trailing space', 'GET / HTTP/1.1 \r\n\r\n', 400, /version/],
    ['VERSION: bare LF', 'GET / HTTP/1.1\n\r\n', 400, /bare LF/],
    ['VERSION: HTTP/2.0', 'GET / HTTP/2.0\r\n\r\n', 505, /HTTP\/2\.0/],
    ['VERSION: HTTP/0.9', 'GET / HTTP/0.9\r\n\r\n', 505, /not supported/],
    ['LINE_LF: a bare CR', 'GET / HTTP/1.1\rX\r\n\r\n', 400, /bare CR/],
    ['FIELD_START: whitespace before the first header', 'GET / HTTP/1.1\r\n Host: x\r\n\r\n', 400, /first header/],
    ['FIELD_START: obs-fold', `GET / HTTP/1.1\r\n${H}X: a\r\n b\r\n\r\n`, 400, /folding/],
    ['FIELD_START: obs-fold with a tab', `GET / HTTP/1.1\r\n${H}X: a\r\n\tb\r\n\r\n`, 400, /folding/],
    ['FIELD_START: a bare LF', `GET / HTTP/1.1\r\n${H}\n`, 400, /bare LF/],
    ['FIELD_START: an invalid name character', `GET / HTTP/1.1\r\n${H}@x: 1\r\n\r\n`, 400, /header name/],
    ['NAME: whitespace before the colon', `GET / HTTP/1.1\r\n${H}X : 1\r\n\r\n`, 400, /colon/],
    ['NAME: an invalid character', `GET / HTTP/1.1\r\n${H}X(y): 1\r\n\r\n`, 400, /header name/],
    ['NAME: no colon', `GET / HTTP/1.1\r\n${H}Xy\r\n\r\n`, 400, /header name/],
    ['VALUE_OWS: a NUL', `GET / HTTP/1.1\r\n${H}X: \x00\r\n\r\n`, 400, /header value/],
    ['VALUE_OWS: a bare LF', `GET / HTTP/1.1\r\n${H}X: \n\r\n`, 400, /bare LF/],
    ['VALUE: a NUL', `GET / HTTP/1.1\r\n${H}X: a\x00b\r\n\r\n`, 400, /header value/],
    ['VALUE: DEL', `GET / HTTP/1.1\r\n${H}X: a\x7fb\r\n\r\n`, 400, /header value/],
    ['VALUE: a bare LF', `GET / HTTP/1.1\r\n${H}X: a\nY: b\r\n\r\n`, 400, /bare LF/],
    ['FIELD_LF: a bare CR', `GET / HTTP/1.1\r\n${H}X: a\rb\r\n\r\n`, 400, /bare CR/],
    ['END_LF: a bare CR', `GET / HTTP/1.1\r\n${H}\rX`, 400, /bare CR/],
    ['two Host headers', 'GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n', 400, /Host/],
    ['HTTP/1.1 without Host', 'GET / HTTP/1.1\r\nX: 1\r\n\r\n', 400, /without a Host/],
    ['two Content-Length headers', `POST / HTTP/1.1\r\n${H}Content-Length: 1\r\nContent-Length: 1\r\n\r\n`, 400, /Content-Length/],
    ['a Content-Length list', `POST / HTTP/1.1\r\n${H}Content-Length: 1, 1\r\n\r\n`, 400, /invalid Content-Length/],
    ['a signed Content-Length', `POST / HTTP/1.1\r\n${H}Content-Length: +1\r\n\r\n`, 400, /invalid Content-Length/],
    ['an empty Content-Length', `POST / HTTP/1.1\r\n${H}Content-Length:\r\n\r\n`, 400, /invalid Content-Length/],
    ['Content-Length and Transfer-Encoding', `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n`, 400, /both/],
  ])('%s', (_name, text, status, pattern) => {
    expectStatus(text, status, pattern);
  });

  it('fails with the one protocol error factory (code, prefix, status)', () => {
    const p = new HttpRequestHeadParser();
    p.push(Buffer.from('GET / HTTP/3.0\r\n'));
    expect(p.error).toBeInstanceOf(ProtocolError);
    expect(p.error).toMatchObject({ code: StelarErrorCode.InvalidHttpRequest, status: 505 });
    expect(p.error?.message).toMatch(/^Invalid HTTP request: /);
  });
});

describe('HttpRequestHeadParser: every limit', () => {
  const small: HttpHeadLimits = { maxRequestLineBytes: 32, maxHeaderLineBytes: 24, maxHeaders: 3, maxHeaderBytes: 60, maxHeadBytes: 120 };

  it('request line: exactly at the limit passes, one byte over is 414 (method, target or version)', () => {
    const at = 'GET /' + 'a'.repeat(32 - 'GET / HTTP/1.1\r\n'.length) + ' HTTP/1.1\r\n';
    expect(at.length).toBe(32);
    expect(whole(at + 'Host: x\r\n\r\n', small).result).toBe(HeadResult.Done);
    const over = 'GET /' + 'a'.repeat(33 - 'GET / HTTP/1.1\r\n'.length) + ' HTTP/1.1\r\nHost: x\r\n\r\n';
    expectStatus(over, 414, /request line/, small);
    expectStatus('G'.repeat(40) + ' / HTTP/1.1\r\n\r\n', 414, /request line/, small);
    expectStatus('GET /' + 'a'.repeat(18) + ' HTTP/1.1\r\n\r\n', 414, /request line/, small);
  });

  it('header line: at the limit passes, over it is 431 (in the name or in the value)', () => {
    const line = (n: number) => 'X: ' + 'v'.repeat(n - 5) + '\r\n';
    expect(line(24).length).toBe(24);
    expect(whole(`GET / HTTP/1.1\r\nHost: x\r\n${line(24)}\r\n`, small).result).toBe(HeadResult.Done);
    expectStatus(`GET / HTTP/1.1\r\nHost: x\r\n${line(25)}\r\n`, 431, /header line/, small);
    expectStatus(`GET / HTTP/1.1\r\nHost: x\r\n${'N'.repeat(30)}: 1\r\n\r\n`, 431, /header line/, small);
    expectStatus(`GET / HTTP/1.1\r\nHost: x\r\nX:${' '.repeat(30)}1\r\n\r\n`, 431, /header line/, small);
  });

  it('header count: maxHeaders pass, one more is 431', () => {
    expect(whole('GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n', small).result).toBe(HeadResult.Done);
    expectStatus('GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n', 431, /header lines/, small);
  });

  it('header bytes: the sum of the lines over maxHeaderBytes is 431', () => {
    const limits = { ...small, maxHeaders: 10 };
    const h = 'Xx: ' + 'v'.repeat(16) + '\r\n'; // 22 bytes each
    expect(whole('GET / HTTP/1.1\r\n' + 'Host: x\r\n' + h + h + '\r\n', limits).result).toBe(HeadResult.Done); // 53
    expectStatus('GET / HTTP/1.1\r\n' + 'Host: x\r\n' + h + h + h + '\r\n', 431, /headers are over/, limits); // 75
  });

  it('head bytes: leading empty lines and everything count; over maxHeadBytes is 431', () => {
    const limits = { ...small, maxHeadBytes: 40 };
    const req = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'; // 27
    expect(whole('\r\n'.repeat(6) + req, limits).result).toBe(HeadResult.Done); // 39
    expectStatus('\r\n'.repeat(7) + req, 431, /request head is over 40/, limits);
    expectStatus('\r\n'.repeat(30), 431, /request head/, limits);
  });

  it('the defaults are those of Node\'s http server (16 KiB of head)', () => {
    expect(HTTP_HEAD_LIMITS.maxHeadBytes).toBe(16384);
    const big = 'GET / HTTP/1.1\r\nHost: x\r\n' + ('X-Pad: ' + 'p'.repeat(4000) + '\r\n').repeat(5) + '\r\n';
    expectStatus(big, 431);
  });
});
