import type { IncomingMessage } from 'node:http';
import {
  acceptKey,
  remoteAddressOf,
  switchingProtocolsResponse,
  validateUpgradeRequest,
} from '../../../src/adapters/websocket/ws-handshake';
import { parseExtensions } from '../../../src/adapters/websocket/ws-extensions';

function req(headers: Record<string, string | string[]>, method = 'GET', remoteAddress = '::ffff:10.0.0.1'): IncomingMessage {
  return { method, headers, socket: { remoteAddress } } as unknown as IncomingMessage;
}

const good = {
  upgrade: 'websocket',
  connection: 'Upgrade',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
  'sec-websocket-version': '13',
};

describe('opening handshake validation', () => {
  it('computes the RFC 6455 §1.3 example accept value', () => {
    expect(acceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(switchingProtocolsResponse('dGhlIHNhbXBsZSBub25jZQ==', null)).toContain(
      'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n',
    );
  });

  it('accepts a valid request, with token lists and any case', () => {
    expect(validateUpgradeRequest(req(good))).toBeNull();
    expect(validateUpgradeRequest(req({ ...good, upgrade: 'WebSocket', connection: 'keep-alive, Upgrade' }))).toBeNull();
  });

  it.each([
    ['POST method', { ...good }, 'POST', 405],
    ['missing Upgrade', { ...good, upgrade: '' }, 'GET', 400],
    ['Upgrade: h2c', { ...good, upgrade: 'h2c' }, 'GET', 400],
    ['Connection without upgrade', { ...good, connection: 'keep-alive' }, 'GET', 400],
    ['missing key', { ...good, 'sec-websocket-key': '' }, 'GET', 400],
    ['short key', { ...good, 'sec-websocket-key': 'c2hvcnQ=' }, 'GET', 400],
    ['key with bad characters', { ...good, 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ!!' }, 'GET', 400],
    ['version 8', { ...good, 'sec-websocket-version': '8' }, 'GET', 426],
    ['missing version', { ...good, 'sec-websocket-version': '' }, 'GET', 426],
  ])('%s → %i', (_n, headers, method, status) => {
    const failure = validateUpgradeRequest(req(headers as Record<string, string>, method as string));
    expect(failure?.status).toBe(status);
    if (status === 426) expect(failure?.headers).toEqual({ 'Sec-WebSocket-Version': '13' });
  });

  it('normalises IPv4-mapped addresses and honours X-Forwarded-For only with trustProxy', () => {
    const r = req({ ...good, 'x-forwarded-for': '203.0.113.9, 10.0.0.2' });
    expect(remoteAddressOf(r, false)).toBe('10.0.0.1');
    expect(remoteAddressOf(r, true)).toBe('203.0.113.9');
    expect(remoteAddressOf(req(good, 'GET', '::1'), true)).toBe('::1');
  });

  it('refuses an HTTP/1.0 (or 0.9) upgrade with 400 and accepts HTTP/1.1 and 2+', () => {
    const versioned = (major: number, minor: number) =>
      Object.assign(req(good), { httpVersionMajor: major, httpVersionMinor: minor }) as IncomingMessage;
    expect(validateUpgradeRequest(versioned(1, 0))).toEqual({ status: 400, message: 'WebSocket requires HTTP/1.1 or later' });
    expect(validateUpgradeRequest(versioned(0, 9))?.status).toBe(400);
    expect(validateUpgradeRequest(versioned(1, 1))).toBeNull();
    expect(validateUpgradeRequest(versioned(2, 0))).toBeNull();
  });
});

describe('Sec-WebSocket-Extensions parsing', () => {
  it('parses offers, parameters and quoted values', () => {
    const offers = parseExtensions('permessage-deflate; client_max_window_bits; server_max_window_bits="10", x-foo');
    expect(offers.length).toBe(2);
    expect(offers[0].name).toBe('permessage-deflate');
    expect(offers[0].params.get('client_max_window_bits')).toBe(true);
    expect(offers[0].params.get('server_max_window_bits')).toBe('10');
    expect(offers[1].name).toBe('x-foo');
  });

  it('flags duplicates and rejects bad syntax', () => {
    expect(parseExtensions('permessage-deflate; a; a')[0].duplicate).toBe(true);
    for (const bad of ['', 'a b', 'permessage-deflate; =1', 'p; x="unterminated', 'p; x=a b']) {
      expect(() => parseExtensions(bad)).toThrow(SyntaxError);
    }
  });
});
