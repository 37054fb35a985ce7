import { ClientStateMachine, type ClientState, type StateChange } from '../../../src/domain/client/client-state.machine';

describe('ClientStateMachine', () => {
  function machine(): { m: ClientStateMachine; changes: StateChange[] } {
    const changes: StateChange[] = [];
    return { m: new ClientStateMachine((c) => changes.push(c)), changes };
  }

  it('starts disconnected and reports each change once', () => {
    const { m, changes } = machine();
    expect(m.state).toBe('disconnected');
    m.transition('connecting');
    m.transition('connected');
    m.transition('reconnecting');
    m.transition('connected');
    m.transition('disconnected');
    expect(changes).toEqual([
      { from: 'disconnected', to: 'connecting' },
      { from: 'connecting', to: 'connected' },
      { from: 'connected', to: 'reconnecting' },
      { from: 'reconnecting', to: 'connected' },
      { from: 'connected', to: 'disconnected' },
    ]);
  });

  it('a transition to the current state is a silent no-op', () => {
    const { m, changes } = machine();
    m.transition('connecting');
    m.transition('reconnecting');
    expect(m.transition('reconnecting')).toBe(false);
    expect(changes).toHaveLength(2);
  });

  it('illegal edges throw and change nothing', () => {
    const { m, changes } = machine();
    expect(() => m.transition('connected')).toThrow(RangeError);
    expect(() => m.transition('reconnecting')).toThrow(/disconnected -> reconnecting/);
    expect(m.state).toBe('disconnected');
    expect(changes).toEqual([]);
  });

  it('every state can reach disconnected except itself', () => {
    const states: ClientState[] = ['connecting', 'connected', 'reconnecting'];
    for (const s of states) {
      const { m } = machine();
      m.transition('connecting');
      if (s !== 'connecting') m.transition(s);
      expect(m.can('disconnected')).toBe(true);
    }
  });
});
