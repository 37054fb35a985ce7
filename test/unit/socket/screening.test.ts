import { INTERNAL_REFUSAL, isPending, screenAttempt } from '../../../src/adapters/socket/screening';
import type { ConnectionAcceptor, HandshakeInfo, Refusal } from '../../../src/ports/transport.port';

const info: HandshakeInfo = { protocol: 'tcp', remoteAddress: '10.0.0.1', headers: {} } as HandshakeInfo;
const refusal: Refusal = { status: 429, closeCode: 1008, code: 'STELAR_ERR_TOO_MANY_FROM_IP', reason: 'too many' };

function acceptor(screen: ConnectionAcceptor['screen']): ConnectionAcceptor {
  return { screen, accept() {} };
}

describe('screenAttempt (both server transports)', () => {
  it('passes a synchronous verdict through', () => {
    expect(screenAttempt(acceptor(() => null), info)).toBeNull();
    expect(screenAttempt(acceptor(() => refusal), info)).toBe(refusal);
  });

  it('no acceptor, or one that throws, is the internal refusal (500 / 1011), never an exception', () => {
    expect(screenAttempt(null, info)).toBe(INTERNAL_REFUSAL);
    const verdict = screenAttempt(
      acceptor(() => {
        throw new Error('bug');
      }),
      info,
    );
    expect(verdict).toBe(INTERNAL_REFUSAL);
    expect(INTERNAL_REFUSAL).toMatchObject({ status: 500, closeCode: 1011, code: 'STELAR_ERR_INTERNAL' });
  });

  it('an asynchronous verdict stays a promise; a rejection becomes the internal refusal', async () => {
    const ok = screenAttempt(acceptor(() => Promise.resolve(refusal)), info);
    expect(isPending(ok)).toBe(true);
    expect(await ok).toBe(refusal);
    const failed = screenAttempt(acceptor(() => Promise.reject(new Error('redis down'))), info);
    expect(isPending(failed)).toBe(true);
    expect(await failed).toBe(INTERNAL_REFUSAL);
    expect(isPending(null)).toBe(false);
    expect(isPending(refusal)).toBe(false);
  });
});
