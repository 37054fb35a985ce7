import { HookRunner } from '../../../src/domain/hook-runner.service';
import { STELAR_HOOK_NAMES } from '../../../src/domain/hooks.types';
import { FakeLogger } from '../../fakes/fake-logger';

describe('HookRunner', () => {
  it('returns false only when the hook returns exactly false', () => {
    const h = new HookRunner(new FakeLogger(), {
      onClientJoinRoom: ({ room }) => (room === 'no' ? false : undefined),
      onBeforeBroadcast: () => true,
    });
    const metadata = new Map();
    expect(h.call('onClientJoinRoom', { clientId: 'a', room: 'no', metadata })).toBe(false);
    expect(h.call('onClientJoinRoom', { clientId: 'a', room: 'yes', metadata })).toBe(true);
    expect(h.call('onBeforeBroadcast', { event: 'e', data: 1 })).toBe(true);
    expect(h.call('onClientLeaveRoom', { clientId: 'a', room: 'r' })).toBe(true); // unset
  });

  it('logs a throwing hook and treats it as not cancelling', () => {
    const log = new FakeLogger();
    const h = new HookRunner(log, {
      onRateLimitExceeded: () => {
        throw new Error('boom');
      },
    });
    expect(h.call('onRateLimitExceeded', { clientId: 'a', protocol: 'ws' })).toBe(true);
    expect(log.at('error')[0]).toContain('onRateLimitExceeded threw: boom');
  });

  it('passes the payload through and merges updates live', () => {
    const seen: unknown[] = [];
    const h = new HookRunner(new FakeLogger());
    expect(h.names()).toEqual([]);
    h.update({ onInvalidMessage: (i) => void seen.push(i) });
    h.update({ onPayloadTooLarge: () => {} });
    expect(h.names()).toEqual(['onPayloadTooLarge', 'onInvalidMessage']);
    expect(h.has('onInvalidMessage')).toBe(true);
    h.call('onInvalidMessage', { clientId: 'a', reason: 'bad', protocol: 'tcp' });
    expect(seen).toEqual([{ clientId: 'a', reason: 'bad', protocol: 'tcp' }]);
    h.update({ onInvalidMessage: undefined });
    expect(h.names()).toEqual(['onPayloadTooLarge']);
  });

  it('rejects unknown hooks and non-functions', () => {
    const h = new HookRunner(new FakeLogger());
    expect(() => h.update({ onNope: () => {} } as never)).toThrow(TypeError);
    expect(() => h.update({ onClientConnect: 5 } as never)).toThrow(TypeError);
    expect(STELAR_HOOK_NAMES).toHaveLength(12);
  });
});
