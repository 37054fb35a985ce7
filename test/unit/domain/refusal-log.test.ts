import { ATTEMPT_LOG_INTERVAL_MS } from '../../../src/domain/attempt-log';
import { MessageType, type StelarMessage } from '../../../src/domain/message';
import { harness } from './connection-harness';

// The `connection refused` line is throttled per code like the attempt lines (one a second,
// the next one saying how many were not logged); every refusal is counted. Requests a handler
// never answers stay pending (the server sets no deadline). Driven with a manual clock.

const info = (ip: string) => ({ protocol: 'ws' as const, remoteAddress: ip, headers: {}, originApplies: true });
const req = (event: string, id: number): StelarMessage => ({ type: MessageType.AckRequest, event, ack: event, id, data: null });

describe('refusal log and pending requests', () => {
  it('logs one refusal line per code a second, the next with the suppressed count; counts all', async () => {
    const h = harness({ maxConnections: 1 });
    await h.connect('ws');
    const refusedLines = () => h.logger.lines.filter((l) => l.args[0] === 'connection refused');
    for (let i = 0; i < 4; i++) expect(h.service.screen(info(`10.0.0.${i}`))).toMatchObject({ code: 'STELAR_ERR_SERVER_FULL' });
    expect(refusedLines()).toHaveLength(1);
    expect(refusedLines()[0].fields).toMatchObject({ ip: '10.0.0.0', code: 'STELAR_ERR_SERVER_FULL', suppressed: 0 });

    // Another code is not held back by the first one's throttle.
    h.service.attemptEnded({ protocol: 'tcp', remoteAddress: '10.0.1.1', code: 'STELAR_ERR_BAD_HANDSHAKE', reason: 'not a hello' });
    h.service.attemptEnded({ protocol: 'tcp', remoteAddress: '10.0.1.2', code: 'STELAR_ERR_BAD_HANDSHAKE', reason: 'not a hello' });
    expect(h.logger.lines.filter((l) => l.fields?.code === 'STELAR_ERR_BAD_HANDSHAKE')).toHaveLength(1);

    h.clock.advance(ATTEMPT_LOG_INTERVAL_MS - 1);
    h.service.screen(info('10.0.0.9'));
    expect(refusedLines()).toHaveLength(1);
    h.clock.advance(1);
    h.service.screen(info('10.0.0.10'));
    expect(refusedLines()).toHaveLength(2);
    expect(refusedLines()[1].fields).toMatchObject({ ip: '10.0.0.10', suppressed: 4 });
    expect(h.service.counters.refused.get('STELAR_ERR_SERVER_FULL')).toBe(6);
    expect(h.service.counters.refused.get('STELAR_ERR_BAD_HANDSHAKE')).toBe(2);
  });

  it('a request whose handler never answers stays pending; answered ones leave', async () => {
    const h = harness();
    const acks = h.service.counters.acks;
    h.dispatcher.onAck('never', () => new Promise(() => undefined));
    h.dispatcher.onAck('ok', () => 1);
    const conn = await h.connect();
    const timersBefore = h.clock.pending;
    h.send(conn, req('never', 1));
    h.send(conn, req('ok', 2));
    await h.settle();
    // No timer per request (no server-side deadline).
    expect(h.clock.pending).toBe(timersBefore);
    expect(acks.requests).toBe(2);
    expect(acks.answered).toBe(1);
    expect(acks.pending).toBe(1);
    // No server-side deadline: time passing changes nothing.
    h.clock.advance(3_600_000);
    await h.settle();
    expect(acks.pending).toBe(1);
  });
});
