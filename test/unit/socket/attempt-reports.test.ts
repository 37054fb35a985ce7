import { AttemptReports } from '../../../src/adapters/socket/attempt-reports';
import type { AttemptEnded, ConnectionAcceptor } from '../../../src/ports/transport.port';

function recordingAcceptor(): { acceptor: ConnectionAcceptor; ended: AttemptEnded[] } {
  const ended: AttemptEnded[] = [];
  return { ended, acceptor: { screen: () => null, accept() {}, attemptEnded: (e) => ended.push(e) } };
}

describe('AttemptReports (both server transports)', () => {
  it('reports a missed deadline per stage as STELAR_ERR_CONNECT_TIMEOUT and returns the reason', () => {
    const { acceptor, ended } = recordingAcceptor();
    const reports = new AttemptReports('tcp', 1234);
    expect(reports.timedOut(acceptor, '10.0.0.1', 'tls')).toBe('TLS handshake not finished within 1234 ms');
    expect(reports.timedOut(acceptor, '10.0.0.2', 'hello')).toBe('No Connect frame within 1234 ms');
    expect(reports.timedOut(acceptor, '10.0.0.3', 'request')).toBe('No complete request head within 1234 ms');
    expect(reports.timedOut(acceptor, '10.0.0.4', 'screening')).toBe('Upgrade not screened within 1234 ms');
    expect(ended).toEqual([
      { protocol: 'tcp', remoteAddress: '10.0.0.1', code: 'STELAR_ERR_CONNECT_TIMEOUT', reason: 'TLS handshake not finished within 1234 ms' },
      { protocol: 'tcp', remoteAddress: '10.0.0.2', code: 'STELAR_ERR_CONNECT_TIMEOUT', reason: 'No Connect frame within 1234 ms' },
      { protocol: 'tcp', remoteAddress: '10.0.0.3', code: 'STELAR_ERR_CONNECT_TIMEOUT', reason: 'No complete request head within 1234 ms' },
      { protocol: 'tcp', remoteAddress: '10.0.0.4', code: 'STELAR_ERR_CONNECT_TIMEOUT', reason: 'Upgrade not screened within 1234 ms' },
    ]);
  });

  it('reports a malformed handshake as STELAR_ERR_BAD_HANDSHAKE with its reason', () => {
    const { acceptor, ended } = recordingAcceptor();
    new AttemptReports('ws', 10).badHandshake(acceptor, '::1', 'Missing Upgrade header');
    expect(ended).toEqual([{ protocol: 'ws', remoteAddress: '::1', code: 'STELAR_ERR_BAD_HANDSHAKE', reason: 'Missing Upgrade header' }]);
  });

  it('no acceptor, or one without attemptEnded, is not an error', () => {
    const reports = new AttemptReports('ws', 10);
    expect(reports.timedOut(null, '::1', 'tls')).toBe('TLS handshake not finished within 10 ms');
    expect(() => reports.badHandshake({ screen: () => null, accept() {} }, '::1', 'x')).not.toThrow();
  });
});
