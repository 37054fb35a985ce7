import { MessageType, type StelarMessage } from '../../../src/domain/message';
import { AckRouter } from '../../../src/domain/ack-router';
import { StelarError, StelarErrorCode } from '../../../src/domain/errors';
import { ClientFakeClock } from '../../fakes/client-fake-clock';
import { flush, harness } from './client-harness';

const requests = (sent: StelarMessage[]) => sent.filter((m) => m.type === MessageType.AckRequest || m.type === MessageType.JoinRoom);

describe('client: requests waiting for an answer are bounded (maxRequestsInFlight)', () => {
  it('AckRouter refuses a registration over maxPending with STELAR_ERR_TOO_MANY_REQUESTS, no entry and no timer kept', () => {
    const clock = new ClientFakeClock();
    const acks = new AckRouter(clock, 1000, 2);
    const settled: string[] = [];
    const s = (n: string) => ({ resolve: () => settled.push(`${n} ok`), reject: (e: Error) => settled.push(`${n} ${(e as StelarError).code}`) });
    const a = acks.register(s('a'));
    acks.register(s('b'));
    const timers = clock.pending;
    expect(() => acks.register(s('c'))).toThrow(expect.objectContaining({ code: StelarErrorCode.TooManyRequests }));
    expect(acks.size).toBe(2);
    expect(clock.pending).toBe(timers);
    acks.resolve(a, 1); // answered: the slot is free again
    acks.register(s('d'));
    expect(acks.size).toBe(2);
    acks.setMaxPending(1); // lower: pending ones kept, new ones refused
    expect(() => acks.register(s('e'))).toThrow(StelarError);
    expect(() => new AckRouter(clock, 1000, 0)).toThrow(RangeError);
    expect(() => acks.setMaxPending(1.5)).toThrow(RangeError);
    expect(settled).toEqual(['a ok']);
  });

  it('request() over the bound rejects at once and sends nothing; an acked emit throws; a room request resolves false with an error', async () => {
    const h = harness({ maxRequestsInFlight: 2 });
    h.client.connect();
    const t = h.ws.last.accept('me');
    const first = h.client.request('a', 1);
    const second = h.client.request('b', 2);
    await expect(h.client.request('c', 3)).rejects.toMatchObject({ code: StelarErrorCode.TooManyRequests, name: 'StelarError' });
    expect(() => h.client.emit('d', 4, { ack: 'd' })).toThrow(expect.objectContaining({ code: StelarErrorCode.TooManyRequests }));
    await expect(h.client.joinRoom('r')).resolves.toBe(false);
    expect(h.events.filter((e) => e[0] === 'error').map((e) => (e[1] as StelarError).code)).toEqual([StelarErrorCode.TooManyRequests]);
    expect(requests(t.userSent).map((m) => (m as { event?: string }).event)).toEqual(['a', 'b']);
    // An answer frees a slot.
    const id = (t.userSent[0] as { id: number }).id;
    t.push({ type: MessageType.AckResponse, ack: 'a', id, data: 'A' });
    await expect(first).resolves.toBe('A');
    const third = h.client.request('e', 5);
    expect(requests(t.userSent)).toHaveLength(3);
    // The server's refusal (its code as the prefix of the error text) is a StelarError too.
    const eId = (t.userSent.at(-1) as { id: number }).id;
    t.push({ type: MessageType.AckResponse, ack: 'e', id: eId, error: 'STELAR_ERR_TOO_MANY_REQUESTS: more than 1024 requests in flight on this connection' });
    await expect(third).rejects.toMatchObject({ code: StelarErrorCode.TooManyRequests });
    // Disconnect releases every pending entry and its timer.
    h.client.disconnect();
    await expect(second).rejects.toMatchObject({ code: StelarErrorCode.Disconnected });
    await flush();
    expect(h.clock.pending).toBe(0);
  });

  it('queued (offline) requests count too; the option is validated and live', () => {
    const h = harness({ maxRequestsInFlight: 1, reconnection: false });
    void h.client.request('a').catch(() => undefined);
    expect(h.client.getQueueSize()).toBe(1);
    return expect(h.client.request('b')).rejects.toMatchObject({ code: StelarErrorCode.TooManyRequests }).then(async () => {
      h.client.updateOptions({ maxRequestsInFlight: 2 });
      void h.client.request('c').catch(() => undefined);
      expect(h.client.getQueueSize()).toBe(2);
      expect(h.client.getOptions().maxRequestsInFlight).toBe(2);
      for (const bad of [0, -1, 1.5, Number.NaN, '3']) {
        expect(() => harness({ maxRequestsInFlight: bad as never })).toThrow(RangeError);
        expect(() => h.client.updateOptions({ maxRequestsInFlight: bad as never })).toThrow(RangeError);
      }
      expect(harness().client.getOptions().maxRequestsInFlight).toBe(1024);
      h.client.disconnect();
    });
  });
});
