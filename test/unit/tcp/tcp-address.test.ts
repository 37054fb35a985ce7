import { parseTcpAddress } from '../../../src/adapters/tcp/tcp-client-transport';
import { normaliseAddress } from '../../../src/adapters/tcp/tcp-connection';

describe('parseTcpAddress', () => {
  it.each([
    ['127.0.0.1:3001', { host: '127.0.0.1', port: 3001, tls: false }],
    ['localhost:1', { host: 'localhost', port: 1, tls: false }],
    ['tcp://example.com:65535', { host: 'example.com', port: 65535, tls: false }],
    ['TCP://h:2/', { host: 'h', port: 2, tls: false }],
    ['tls://h:443', { host: 'h', port: 443, tls: true }],
    ['tcps://h:443', { host: 'h', port: 443, tls: true }],
    ['[::1]:3001', { host: '::1', port: 3001, tls: false }],
    [':3001', { host: '127.0.0.1', port: 3001, tls: false }],
  ])('%s', (url, expected) => {
    expect(parseTcpAddress(url)).toEqual(expected);
  });

  it.each(['', 'host', 'host:', 'host:0', 'host:65536', 'ws://h:1', 'h:1/path', '::1:3001'])(
    'rejects %j',
    (url) => {
      expect(() => parseTcpAddress(url)).toThrow(TypeError);
    },
  );
});

describe('normaliseAddress', () => {
  it('strips the IPv4-mapped IPv6 prefix only', () => {
    expect(normaliseAddress('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(normaliseAddress('::1')).toBe('::1');
    expect(normaliseAddress('::ffff:abcd')).toBe('::ffff:abcd');
    expect(normaliseAddress('127.0.0.1')).toBe('127.0.0.1');
    expect(normaliseAddress(undefined)).toBe('');
  });
});
