'use strict';
// HttpRequestHeadParser (the own-port listener's HTTP/1.1 request-head parser) on arbitrary
// bytes, with small limits so every limit is reachable. Invariants: no exception; a refusal is
// the documented STELAR_ERR_INVALID_HTTP_REQUEST with a status of 400/414/431/505; a head never
// exceeds a limit (header count, and the bytes consumed); nothing is read after Done or Failed;
// the result (head, rest offset, error) is the same whether the bytes arrive whole, one byte at a
// time or in random chunks.
const { dist, check, expectProtocolError } = require('../lib/invariants');
const { split } = require('../lib/chunks');

const { HttpRequestHeadParser, HeadResult } = dist('adapters/http/http-request-head.parser.js');
const { StelarErrorCode } = dist('domain/errors.js');
const LIMITS = { maxRequestLineBytes: 96, maxHeaderLineBytes: 80, maxHeaders: 8, maxHeaderBytes: 320, maxHeadBytes: 400 };
const STATUSES = new Set([400, 414, 431, 505]);
const ALLOWED = new Set([StelarErrorCode.InvalidHttpRequest]);

function parse(chunks) {
  const p = new HttpRequestHeadParser(LIMITS);
  let offset = 0;
  for (const c of chunks) {
    let r;
    try {
      r = p.push(c);
    } catch (err) {
      check(false, () => `push threw: ${err && err.stack}`);
    }
    if (r === HeadResult.Done) {
      const head = p.head;
      check(head !== null && p.error === null, 'Done without a head');
      check(head.rawHeaders.length <= LIMITS.maxHeaders * 2, () => `${head.rawHeaders.length / 2} headers over the limit`);
      check(p.consumed >= 1 && p.consumed <= c.length, () => `consumed ${p.consumed} of a ${c.length}-byte chunk`);
      const total = offset + p.consumed;
      check(total <= LIMITS.maxHeadBytes, () => `a head of ${total} bytes over the limit`);
      check(p.push(Buffer.from('GET / HTTP/1.1\r\n\r\n')) === HeadResult.Done && p.head === head, 'the parser read past Done');
      for (const v of head.rawHeaders) check(!/[\r\n\0]/.test(v), () => `CR, LF or NUL in a header: ${JSON.stringify(v)}`);
      return JSON.stringify({ done: total, head });
    }
    if (r === HeadResult.Failed) {
      const err = expectProtocolError(p.error, ALLOWED);
      check(STATUSES.has(err.status), () => `undocumented status ${err.status}: ${err.message}`);
      check(p.push(Buffer.from('x')) === HeadResult.Failed, 'the parser read past Failed');
      return `failed:${err.status}:${err.message}`;
    }
    check(r === HeadResult.NeedMore, () => `unknown result ${r}`);
    offset += c.length;
  }
  check(offset <= LIMITS.maxHeadBytes, () => `${offset} bytes buffered without an answer (limit ${LIMITS.maxHeadBytes})`);
  return 'more';
}

module.exports = {
  maxLen: 1024,
  // Byte 0 picks the chunking; the rest is the stream.
  fuzz(data) {
    if (data.length === 0) return;
    const stream = data.subarray(1);
    const whole = parse([Buffer.from(stream)]);
    const cut = parse(split(stream, data[0]));
    check(whole === cut, () => `chunking changed the result:\n whole ${whole}\n cut   ${cut}`);
  },
  dictionary: ['GET / HTTP/1.1\r\n', 'GET /health HTTP/1.0\r\n', 'POST', 'HEAD', 'OPTIONS', ' HTTP/1.1', ' HTTP/2.0', 'Host: x\r\n', 'host: y\r\n', 'Content-Length: 5\r\n', 'Content-Length: 05\r\n', 'Transfer-Encoding: chunked\r\n', 'Upgrade: websocket\r\n', 'Connection: Upgrade\r\n', 'Set-Cookie: a=1\r\n', 'Cookie: b=2\r\n', '\r\n\r\n', '\r\n', '\n', '\r', ' ', '\t', ':', '\x00', '\x7f', '\xff'],
};
