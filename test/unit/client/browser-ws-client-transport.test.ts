import { BrowserWsClientTransportFactory } from '../../../src/adapters/browser/browser-ws-client-transport';
import type { ClientTransportHandler } from '../../../src/ports/client-transport.port';
import { WsJsonCodec } from '../../../src/adapters/codec/ws-json.codec';
import { sessionSignalOf, withSessionSignal } from '../../../src/adapters/websocket/ws-session-signal';

/** A stand-in for the DOM WebSocket: records calls, lets the test fire its events. */
class FakeWebSocket {
  static last: FakeWebSocket;
  binaryType = 'blob';
  bufferedAmount = 7;
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  readonly sent: unknown[] = [];
  closedWith: [number, string] | null = null;

  constructor(readonly url: string) {
    FakeWebSocket.last = this;
  }

  send(data: unknown): void {
    this.sent.push(data);
  }

  close(code: number, reason: string): void {
    if (code !== 1000 && (code < 3000 || code > 4999)) throw new Error('InvalidAccessError');
    this.closedWith = [code, reason];
    this.readyState = 2;
  }
}

function recorder(): ClientTransportHandler & { log: unknown[] } {
  const log: unknown[] = [];
  return {
    log,
    onOpen: () => log.push('open'),
    onMessage: (p, b) => log.push(['msg', Array.from(p), b]),
    onClose: (c, r) => log.push(['close', c, r]),
    onError: (e) => log.push(['error', e.message]),
  };
}

const dial = { url: 'ws://h:1/x', tls: false, rejectUnauthorized: true, headers: {}, maxPayloadSize: 1, maxFrameSize: 1 };

describe('BrowserWsClientTransportFactory', () => {
  it('opens with binaryType arraybuffer and maps text/binary messages to bytes', () => {
    const h = recorder();
    const f = new BrowserWsClientTransportFactory(FakeWebSocket as never);
    expect(f.protocol).toBe('ws');
    const t = f.connect(dial, h);
    const ws = FakeWebSocket.last;
    expect(ws.url).toBe('ws://h:1/x');
    expect(ws.binaryType).toBe('arraybuffer');
    ws.readyState = 1;
    ws.onopen!({});
    ws.onmessage!({ data: '{"t":3}' });
    ws.onmessage!({ data: new Uint8Array([1, 2]).buffer });
    expect(h.log).toEqual(['open', ['msg', Array.from(new TextEncoder().encode('{"t":3}')), false], ['msg', [1, 2], true]]);
    expect(t.bufferedAmount).toBe(7);
  });

  it('sends text messages as strings and binary ones as bytes; nothing before open', () => {
    const t = new BrowserWsClientTransportFactory(FakeWebSocket as never).connect(dial, recorder());
    const ws = FakeWebSocket.last;
    t.send({ payload: new TextEncoder().encode('{"t":2}'), binary: false });
    expect(ws.sent).toEqual([]);
    ws.readyState = 1;
    t.send({ payload: new TextEncoder().encode('{"t":2}'), binary: false });
    t.send({ payload: new Uint8Array([9]), binary: true });
    expect(ws.sent).toEqual(['{"t":2}', new Uint8Array([9])]);
  });

  it('close maps codes a browser refuses to 1000, reports onClose once, ignores later events', () => {
    const h = recorder();
    const t = new BrowserWsClientTransportFactory(FakeWebSocket as never).connect(dial, h);
    const ws = FakeWebSocket.last;
    ws.readyState = 1;
    t.close(1006, 'x'.repeat(200));
    expect(ws.closedWith).toEqual([1000, 'x'.repeat(123)]);
    expect(h.log).toEqual([['close', 1006, 'x'.repeat(200)]]);
    t.close(4000, 'again');
    expect(h.log).toHaveLength(1);
    expect(ws.onclose).toBeNull(); // handlers detached: a late close event cannot reach us
  });

  it('reports error then close from the socket, exactly once', () => {
    const h = recorder();
    new BrowserWsClientTransportFactory(FakeWebSocket as never).connect(dial, h);
    const ws = FakeWebSocket.last;
    ws.onerror!({});
    ws.onclose!({ code: 1006, reason: '' });
    expect(h.log).toEqual([['error', 'WebSocket error'], ['close', 1006, '']]);
  });

  it('throws when there is no WebSocket at all', () => {
    const g = globalThis as { WebSocket?: unknown };
    const saved = g.WebSocket;
    g.WebSocket = undefined;
    try {
      expect(() => new BrowserWsClientTransportFactory().connect(dial, recorder())).toThrow(/no global WebSocket/);
    } finally {
      g.WebSocket = saved;
    }
  });

  it('session recovery: a new session is asked for in the URL; a resume offer goes in the first message, never in the URL', () => {
    const codec = new WsJsonCodec();
    const f = new BrowserWsClientTransportFactory(FakeWebSocket as never);
    f.connect({ ...dial, url: 'ws://h:1/x?auth=1#frag', headers: { 'x-stelar-session': '{"v":1}' }, codec }, recorder());
    expect(FakeWebSocket.last.url).toBe('ws://h:1/x?auth=1&stelar_session=new');
    const offer = '{"v":1,"id":"c1","token":"secret-token","pos":{"#r":[3,"e"]}}';
    const h = recorder();
    f.connect({ ...dial, headers: { 'x-stelar-session': offer }, codec }, h);
    const ws = FakeWebSocket.last;
    expect(ws.url).toBe('ws://h:1/x?stelar_session=hello');
    expect(ws.url).not.toContain('secret');
    expect(ws.sent).toEqual([]);
    ws.readyState = 1;
    ws.onopen!({});
    expect(ws.sent).toHaveLength(1);
    expect(JSON.parse(ws.sent[0] as string)).toEqual({ t: 6, v: 1, session: offer });
    expect(codec.decode(new TextEncoder().encode(ws.sent[0] as string), false)).toMatchObject({ type: 6, version: 1, sessionOffer: offer });
    expect(h.log).toEqual(['open']);
    // No offer (a client built without the header): the URL is untouched.
    f.connect({ ...dial, codec }, recorder());
    expect(FakeWebSocket.last.url).toBe('ws://h:1/x');
  });
});

describe('the session signal in an upgrade URL', () => {
  it('reads only a whole stelar_session parameter with a known value', () => {
    expect(sessionSignalOf('/?stelar_session=new')).toBe('new');
    expect(sessionSignalOf('/chat?a=1&stelar_session=hello&b=2')).toBe('hello');
    expect(sessionSignalOf('/chat?xstelar_session=hello')).toBeNull();
    expect(sessionSignalOf('/chat?xstelar_session=hello&stelar_session=new')).toBe('new');
    expect(sessionSignalOf('/chat?stelar_session=other')).toBeNull();
    expect(sessionSignalOf('/chat?stelar_session=')).toBeNull();
    expect(sessionSignalOf('/stelar_session=new')).toBeNull();
    expect(sessionSignalOf('/')).toBeNull();
    expect(withSessionSignal('ws://h/p', 'new')).toBe('ws://h/p?stelar_session=new');
    expect(withSessionSignal('ws://h/p?a=b#f', 'hello')).toBe('ws://h/p?a=b&stelar_session=hello');
  });
});
