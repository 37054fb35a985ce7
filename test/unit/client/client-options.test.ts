import { CLIENT_DEFAULTS, mergeClientOptions, resolveTarget } from '../../../src/application/client/client-options';
import { WsClientTransportFactory } from '../../../src/adapters/websocket/ws-client-transport';
import { TcpClientTransportFactory } from '../../../src/adapters/tcp/tcp-client-transport';

// The Node build's transports: resolveTarget reads their schemes (the client names no protocol).
const dialers = { ws: new WsClientTransportFactory(), tcp: new TcpClientTransportFactory() };
import { createClientLogger } from '../../../src/application/client/client-logger';
import { assertName } from '../../../src/application/client/event-name';

describe('client options', () => {
  it('has the seed README defaults, with the backoff tuned for mass reconnects (cap 5 s, 30 attempts)', () => {
    expect(CLIENT_DEFAULTS).toMatchObject({
      reconnection: true,
      reconnectionAttempts: 10,
      reconnectionDelay: 1000,
      maxReconnectionDelay: 30000,
      heartbeatInterval: 30000,
      mode: 'ws',
      maxPayloadSize: 10 * 1024 * 1024,
      maxFrameSize: 10 * 1024 * 1024,
      ackTimeout: 5000,
      messageQueueSize: 100,
      tls: false,
      rejectUnauthorized: true,
      headers: {},
      logger: 'warn',
    });
  });

  it('merges hooks key by key and ignores undefined values', () => {
    const a = (): void => {};
    const b = (): void => {};
    const first = mergeClientOptions(CLIENT_DEFAULTS, { hooks: { onMessage: a }, ackTimeout: 100 });
    const second = mergeClientOptions(first, { hooks: { onError: b }, ackTimeout: undefined });
    expect(second.hooks).toEqual({ onMessage: a, onError: b });
    expect(second.ackTimeout).toBe(100);
    expect(CLIENT_DEFAULTS.hooks).toEqual({}); // never mutated
  });

  it('rejects bad values synchronously', () => {
    expect(() => mergeClientOptions(CLIENT_DEFAULTS, { reconnectionDelay: -1 })).toThrow(RangeError);
    expect(() => mergeClientOptions(CLIENT_DEFAULTS, { ackTimeout: 0 })).toThrow(RangeError);
    expect(() => mergeClientOptions(CLIENT_DEFAULTS, { messageQueueSize: 1.5 })).toThrow(RangeError);
    expect(() => mergeClientOptions(CLIENT_DEFAULTS, { mode: 'udp' as never }, Object.keys(dialers))).toThrow(TypeError);
    expect(() => mergeClientOptions(CLIENT_DEFAULTS, { hooks: { onError: 5 as never } })).toThrow(TypeError);
    expect(() => mergeClientOptions(CLIENT_DEFAULTS, { customReconnectDelay: 'x' as never })).toThrow(TypeError);
    expect(() => mergeClientOptions(CLIENT_DEFAULTS, null as never)).toThrow(TypeError);
  });

  it.each([
    [3000, 'ws', false, 'ws://localhost:3000', false],
    ['3000', 'ws', false, 'ws://localhost:3000', false],
    [3001, 'tcp', false, 'tcp://localhost:3001', false],
    ['localhost:3000', 'ws', false, 'ws://localhost:3000', false],
    ['example.com:443', 'ws', true, 'wss://example.com:443', true],
    ['example.com:3001', 'tcp', true, 'tls://example.com:3001', true],
    ['[::1]:3000', 'ws', false, 'ws://[::1]:3000', false],
    ['host:3000/chat', 'ws', false, 'ws://host:3000/chat', false],
    ['ws://mydomain.com/ws', 'ws', false, 'ws://mydomain.com/ws', false],
    ['wss://secure.mydomain.com', 'ws', false, 'wss://secure.mydomain.com', true],
    ['https://app.example', 'ws', false, 'wss://app.example', true],
    ['tcp://h:1', 'tcp', false, 'tcp://h:1', false],
  ] as const)('resolveTarget(%p, %s, tls=%p) → %s', (target, mode, tls, url, secure) => {
    expect(resolveTarget(target, mode, tls, dialers)).toEqual({ url, tls: secure });
  });

  it.each([[-1], [70000], [''], ['nohost'], ['ftp://x'], ['host:99999'], [{} as never]])('rejects target %p', (t) => {
    expect(() => resolveTarget(t as never, 'ws', false, dialers)).toThrow();
  });

  it('console logger filters by level; a custom logger is used as is', () => {
    const custom = { debug: jest.fn(), info: jest.fn(), warn: jest.fn(), error: jest.fn() };
    expect(createClientLogger(custom)).toBe(custom);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const debug = jest.spyOn(console, 'debug').mockImplementation(() => {});
    try {
      const l = createClientLogger('warn');
      l.debug('hidden');
      l.warn('shown');
      createClientLogger('silent').warn('hidden');
      createClientLogger(false).warn('hidden');
      createClientLogger(true).debug('hidden');
      expect(debug).not.toHaveBeenCalled();
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
      debug.mockRestore();
    }
  });

  it('assertName enforces the protocol rules (255 UTF-8 bytes, no NUL, reserved events)', () => {
    expect(() => assertName('😀'.repeat(63) + 'abc', 'event')).not.toThrow(); // 255 bytes
    expect(() => assertName('😀'.repeat(64), 'event')).toThrow(TypeError); // 256 bytes
    expect(() => assertName('a\0b', 'room')).toThrow(TypeError);
    expect(() => assertName('a'.repeat(255), 'event')).not.toThrow();
    expect(() => assertName('a'.repeat(256), 'event')).toThrow(TypeError);
    expect(() => assertName('error', 'event', true)).toThrow(/reserved/);
    expect(() => assertName('error', 'room')).not.toThrow();
    expect(() => assertName(5, 'room')).toThrow(TypeError);
  });
});
