/**
 * One SIGINT/SIGTERM listener pair for the whole process, shared by every running server, so
 * many servers in one process never trigger MaxListenersExceededWarning. A server registers on
 * start() and unregisters on stop(); the process listeners are removed with the last one.
 */
export interface SignalSubscriber {
  onSignal(signal: NodeJS.Signals): void;
}

const subscribers = new Set<SignalSubscriber>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

function dispatch(signal: NodeJS.Signals): void {
  for (const s of [...subscribers]) s.onSignal(signal);
}

export function subscribeSignals(subscriber: SignalSubscriber): void {
  if (subscribers.size === 0) for (const s of SIGNALS) process.on(s, dispatch);
  subscribers.add(subscriber);
}

export function unsubscribeSignals(subscriber: SignalSubscriber): void {
  if (!subscribers.delete(subscriber)) return;
  if (subscribers.size === 0) for (const s of SIGNALS) process.removeListener(s, dispatch);
}

/** For tests: how many servers are listening for signals. */
export function signalSubscriberCount(): number {
  return subscribers.size;
}
