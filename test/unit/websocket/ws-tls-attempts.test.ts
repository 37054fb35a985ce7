import { Socket } from 'node:net';
import { WsTlsAttempts } from '../../../src/adapters/websocket/ws-tls-attempts';
import type { ConnectionAcceptor, HandshakeInfo, Refusal } from '../../../src/ports/transport.port';

const refusal: Refusal = { status: 503, closeCode: 1013, code: 'STELAR_ERR_SERVER_BUSY', reason: 'full' };

/** An acceptor that answers `verdict` and records what it screened and what was given back. */
function acceptor(verdict: () => Refusal | null | Promise<Refusal | null>): ConnectionAcceptor & { screened: HandshakeInfo[]; abandoned: HandshakeInfo[] } {
  const screened: HandshakeInfo[] = [];
  const abandoned: HandshakeInfo[] = [];
  return {
    screened,
    abandoned,
    screen: (info) => {
      screened.push(info);
      return verdict();
    },
    accept() {},
    abandon: (info) => abandoned.push(info),
  };
}

describe('WsTlsAttempts (owned wss:// server)', () => {
  it('screens a handshake without headers or origin, and gives the slot back once when it ends', () => {
    const a = acceptor(() => null);
    const attempts = new WsTlsAttempts();
    const socket = new Socket();
    attempts.started(socket, a);
    expect(a.screened).toEqual([{ protocol: 'ws', remoteAddress: '', originApplies: false, headers: {} }]);
    expect(a.abandoned).toEqual([]);
    attempts.ended(socket);
    expect(a.abandoned).toEqual([a.screened[0]]);
    attempts.ended(socket); // the second end is nothing
    expect(a.abandoned).toHaveLength(1);
    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });

  it('a refused handshake is closed and holds no slot', () => {
    const a = acceptor(() => refusal);
    const attempts = new WsTlsAttempts();
    const socket = new Socket();
    attempts.started(socket, a);
    expect(socket.destroyed).toBe(true);
    attempts.ended(socket);
    expect(a.abandoned).toEqual([]);
  });

  it('an asynchronous admission that arrives after the handshake ended gives its slot straight back', async () => {
    let admit!: (r: Refusal | null) => void;
    const a = acceptor(() => new Promise<Refusal | null>((resolve) => (admit = resolve)));
    const attempts = new WsTlsAttempts();
    const socket = new Socket();
    attempts.started(socket, a);
    attempts.ended(socket);
    expect(a.abandoned).toEqual([]);
    admit(null);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(a.abandoned).toEqual([a.screened[0]]);
    socket.destroy();
  });

  it('clear() ends every running handshake (slot given back) and destroys its socket', () => {
    const a = acceptor(() => null);
    const attempts = new WsTlsAttempts();
    const sockets = [new Socket(), new Socket()];
    for (const s of sockets) attempts.started(s, a);
    attempts.clear();
    expect(a.abandoned).toHaveLength(2);
    expect(sockets.every((s) => s.destroyed)).toBe(true);
    attempts.ended(sockets[0]);
    expect(a.abandoned).toHaveLength(2);
  });
});
