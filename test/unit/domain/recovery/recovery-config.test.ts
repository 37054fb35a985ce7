import { RECOVERY_DEFAULTS, resolveRecovery } from '../../../../src/domain/recovery/recovery-config';
import { formatResumeOffer, parseResumeOffer } from '../../../../src/domain/recovery/resume-offer';

describe('resolveRecovery', () => {
  it('false/undefined is off, true is the defaults, an object overrides', () => {
    expect(resolveRecovery(undefined).enabled).toBe(false);
    expect(resolveRecovery(false)).toEqual(RECOVERY_DEFAULTS);
    expect(resolveRecovery(true)).toEqual({ enabled: true, windowMs: 120000, historySize: 1000, skipMiddleware: false });
    expect(resolveRecovery({ windowMs: 5000, skipMiddleware: true })).toEqual({ enabled: true, windowMs: 5000, historySize: 1000, skipMiddleware: true });
  });

  it.each([
    ['a string', 'yes', /recovery must be/],
    ['null', null, /recovery must be/],
    ['an unknown field', { window: 1 }, /recovery\.window is not an option/],
    ['windowMs 0', { windowMs: 0 }, /windowMs/],
    ['windowMs fractional', { windowMs: 1.5 }, /windowMs/],
    ['historySize 0', { historySize: 0 }, /historySize/],
    ['skipMiddleware not boolean', { skipMiddleware: 'no' }, /skipMiddleware/],
  ])('rejects %s', (_what, value, message) => {
    expect(() => resolveRecovery(value)).toThrow(message);
  });
});

describe('resume offer header', () => {
  it('round-trips an offer and a fresh capability', () => {
    const offer = { id: 'abc', token: 'tok', positions: new Map([['#r', { offset: 3, epoch: 'e1' }], ['@', { offset: 1, epoch: 'e2' }]]) };
    const back = parseResumeOffer(formatResumeOffer(offer))!;
    expect(back.id).toBe('abc');
    expect([...back.positions]).toEqual([...offer.positions]);
    expect(parseResumeOffer(formatResumeOffer(null))).toEqual({ id: '', token: '', positions: new Map() });
  });

  it.each([
    ['not JSON', '{'],
    ['wrong version', '{"v":2}'],
    ['id not a string', '{"v":1,"id":1,"token":"t"}'],
    ['negative offset', '{"v":1,"id":"a","token":"t","pos":{"#r":[-1,"e"]}}'],
    ['bad position', '{"v":1,"id":"a","token":"t","pos":{"#r":"x"}}'],
    ['too long', '{"v":1,"id":"a","token":"' + 'x'.repeat(20000) + '"}'],
  ])('ignores a malformed offer (%s)', (_what, value) => {
    expect(parseResumeOffer(value)).toBeNull();
  });
});
