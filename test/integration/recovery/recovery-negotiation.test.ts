import type { StelarServer } from '../../../src';
import { rawTcp, rawWs, tcpFrame } from '../../helpers/raw-clients';
import { ServerKit, until } from '../../helpers/server-kit';

// Version negotiation of client → server recovery (docs/PROTOCOL.md, "Client → server"): a
// client that offers no session (a 4.0 client, raw here) talking to a server with recovery on
// gets no session grant, no positions, no Confirm, and a sequence number it sends anyway means
// nothing (no at-most-once without a session). The other pairing (a recovery client and a server
// without recovery) is the 'disabled' case of recovery-drop.test.ts plus the client unit tests.

describe('client → server recovery: only used when both sides offered it', () => {
  const kit = new ServerKit();
  afterEach(() => kit.teardown());

  async function server(): Promise<{ s: StelarServer; events: unknown[] }> {
    const s = await kit.server({ recovery: true } as never);
    const events: unknown[] = [];
    s.on('e', (ctx) => void events.push(ctx.data));
    s.onAck('q', (ctx) => `a${String(ctx.data)}`);
    return { s, events };
  }

  it('WebSocket: a client without an offer gets no session, no positions, no Confirm; its "s" fields are ignored', async () => {
    const { s, events } = await server();
    const c = await rawWs(`ws://127.0.0.1:${s.getPort()}/`);
    expect(c.opened).toBe(true);
    await until(() => c.messages.length >= 1, 3000, 'Connect');
    expect(c.messages[0]).toMatchObject({ t: 6 });
    expect(c.messages[0].session).toBeUndefined();
    // The same "sequence number" twice: without a session both run (nothing is deduplicated).
    c.ws.send('{"t":0,"e":"e","d":1,"s":1}');
    c.ws.send('{"t":0,"e":"e","d":2,"s":1}');
    c.ws.send('{"t":4,"e":"q","a":"q","i":1,"d":3}');
    await until(() => c.messages.some((m) => m.t === 5 && m.i === 1), 3000, 'answer 1');
    c.ws.send('{"t":4,"e":"q","a":"q","i":2,"d":4}');
    await until(() => c.messages.some((m) => m.t === 5 && m.i === 2), 3000, 'answer 2');
    expect(events).toEqual([1, 2]);
    const answers = c.messages.filter((m) => m.t === 5);
    expect(answers).toEqual([
      { t: 5, a: 'q', i: 1, d: 'a3' },
      { t: 5, a: 'q', i: 2, d: 'a4' },
    ]);
    expect(c.messages.filter((m) => m.t === 11)).toEqual([]);
    c.ws.close();
  });

  it('TCP: a hello without an offer gets no session; answers carry no position; no Confirm frame', async () => {
    const { s, events } = await server();
    const c = await rawTcp(s.getTcpPort()!);
    c.socket.write(tcpFrame(6, '', '{"v":1}'));
    await until(() => c.frames().some((f) => f.type === 6), 3000, 'Connect');
    const connect = c.frames().find((f) => f.type === 6)!;
    expect(JSON.parse(connect.payload.toString()).session).toBeUndefined();
    c.socket.write(tcpFrame(0, 'e', '5'));
    c.socket.write(tcpFrame(4, 'q', '{"id":2,"ack":"q","data":7}'));
    await until(() => c.frames().some((f) => f.type === 5), 3000, 'answer');
    expect(events).toEqual([5]);
    const answers = c.frames().filter((f) => f.type === 5);
    expect(answers.map((f) => [f.event, JSON.parse(f.payload.toString())])).toEqual([['q', { id: 2, data: 'a7' }]]); // no NUL position tail
    expect(c.frames().filter((f) => f.type === 11)).toEqual([]);
    c.socket.destroy();
  });
});
