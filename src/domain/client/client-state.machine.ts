/** The connection states of a StelarClient, as `getState()` reports them. */
export type ClientState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

/** One state change, as the `onStateChange` hook receives it. */
export interface StateChange {
  readonly from: ClientState;
  readonly to: ClientState;
}

// The legal edges. `connecting` is the first dial after connect(); later dials happen in
// `reconnecting` (the state stays there across attempts). Any state may go to `disconnected`
// (disconnect() is always allowed; a failed dial without reconnection ends there).
const EDGES: Readonly<Record<ClientState, readonly ClientState[]>> = {
  disconnected: ['connecting'],
  connecting: ['connected', 'reconnecting', 'disconnected'],
  connected: ['reconnecting', 'disconnected'],
  reconnecting: ['connected', 'disconnected'],
};

/**
 * The client's state machine: only legal transitions happen, each reported once to the
 * listener; a transition to the current state is a no-op (no report).
 */
export class ClientStateMachine {
  private current: ClientState = 'disconnected';

  /** @param onChange called after every real change. */
  constructor(private readonly onChange: (change: StateChange) => void) {}

  get state(): ClientState {
    return this.current;
  }

  /** True when `to` is reachable from the current state in one step. */
  can(to: ClientState): boolean {
    return EDGES[this.current].includes(to);
  }

  /**
   * Moves to `to`. Returns false (and changes nothing) when already there; throws a RangeError
   * for an illegal edge, which is a bug in the caller.
   */
  transition(to: ClientState): boolean {
    const from = this.current;
    if (from === to) return false;
    if (!EDGES[from].includes(to)) throw new RangeError(`illegal client state change ${from} -> ${to}`);
    this.current = to;
    this.onChange({ from, to });
    return true;
  }
}
