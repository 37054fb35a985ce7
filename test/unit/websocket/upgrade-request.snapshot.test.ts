import http, { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { UpgradeRequestSnapshot } from '../../../src/adapters/websocket/upgrade-request.snapshot';

/** Sends `head` as an upgrade request to a fresh http.Server and returns the request it saw. */
async function capture(head: string, serverOptions: http.ServerOptions = {}): Promise<{ req: IncomingMessage; socket: net.Socket; done: () => void }> {
  const server = http.createServer(serverOptions);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  client.on('error', () => undefined);
  client.write(head);
  const [req, socket] = await new Promise<[IncomingMessage, net.Socket]>((resolve) =>
    server.once('upgrade', (r: IncomingMessage, s: net.Socket) => resolve([r, s])),
  );
  return {
    req,
    socket,
    done: () => {
      socket.destroy();
      client.destroy();
      server.close();
    },
  };
}

const UPGRADE =
  'GET /room/a?x=1&y=%20 HTTP/1.1\r\nHost: example.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Multi: a\r\nX-Multi: b\r\n' +
  'Set-Cookie: s=1\r\nSet-Cookie: t=2\r\nCookie: c=1\r\nCookie: d=2\r\nUser-Agent: first\r\nUser-Agent: second\r\n' +
  'Authorization: Bearer x\r\nX-Empty: \r\nX-Utf8: caf\u00e9\r\n\r\n';

describe('UpgradeRequestSnapshot', () => {
  it('rebuilds an IncomingMessage equal to the original, on the given socket', async () => {
    const { req, socket, done } = await capture(UPGRADE);
    try {
      const snap = UpgradeRequestSnapshot.of(req);
      const copy = snap.materialize(socket);
      expect(copy).toBeInstanceOf(IncomingMessage);
      expect(copy.socket).toBe(socket);
      expect(copy.method).toBe('GET');
      expect(copy.url).toBe('/room/a?x=1&y=%20');
      expect(copy.httpVersion).toBe('1.1');
      expect([copy.httpVersionMajor, copy.httpVersionMinor]).toEqual([1, 1]);
      expect(copy.complete).toBe(true);
      expect(copy.rawHeaders).toEqual(req.rawHeaders);
      expect(copy.headers).toEqual(req.headers);
    } finally {
      done();
    }
  });

  it("applies Node's duplicate rules: joined, dropped, set-cookie as an array, cookie with '; '", async () => {
    const { req, done } = await capture(UPGRADE);
    try {
      const h = UpgradeRequestSnapshot.of(req).headers();
      expect(h['x-multi']).toBe('a, b');
      expect(h['set-cookie']).toEqual(['s=1', 't=2']);
      expect(h.cookie).toBe('c=1; d=2');
      expect(h['user-agent']).toBe('first');
      expect(h['x-empty']).toBe('');
      expect(h.authorization).toBe('Bearer x');
      expect(h).toEqual(req.headers);
    } finally {
      done();
    }
  });

  it("follows the server's joinDuplicateHeaders option", async () => {
    const { req, done } = await capture(UPGRADE, { joinDuplicateHeaders: true });
    try {
      const h = UpgradeRequestSnapshot.of(req).headers();
      expect(h['user-agent']).toBe('first, second');
      expect(h).toEqual(req.headers);
    } finally {
      done();
    }
  });

  it('builds the headers object once; the rebuilt request shares it', async () => {
    const { req, socket, done } = await capture(UPGRADE);
    try {
      const snap = UpgradeRequestSnapshot.of(req);
      const a = snap.headers();
      expect(snap.headers()).toBe(a);
      (a as Record<string, string>)['x-added'] = 'by a middleware';
      const copy = snap.materialize(socket);
      expect(copy.headers).toBe(a);
      expect(copy.headers['x-added']).toBe('by a middleware');
      expect(snap.rawHeaders()).toEqual(req.rawHeaders);
    } finally {
      done();
    }
  });

  it('a request rebuilt before any headers() call computes its own headers', async () => {
    const { req, socket, done } = await capture(UPGRADE);
    try {
      const snap = UpgradeRequestSnapshot.of(req);
      expect(snap.materialize(socket).headers).toEqual(req.headers);
    } finally {
      done();
    }
  });

  it('handles a request without headers', () => {
    const fake = { method: 'GET', url: '/', httpVersionMajor: 1, httpVersionMinor: 0, rawHeaders: [] } as unknown as IncomingMessage;
    const snap = UpgradeRequestSnapshot.of(fake);
    expect(snap.rawHeaders()).toEqual([]);
    expect(snap.headers()).toEqual({});
    expect(snap.materialize(new net.Socket()).httpVersion).toBe('1.0');
  });
});
