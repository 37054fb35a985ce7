/**
 * The listen backlog of the listeners Stelar creates: how many connections the kernel queues
 * before the application accepts them. Node's default (511) overflows in a reconnect storm
 * (SYNs dropped, then retransmitted after 1 s, 3 s, 7 s…); the kernel caps the value at
 * `net.core.somaxconn` (4096 on Linux ≥ 5.4) and `tcp_max_syn_backlog` bounds half-open ones.
 */
export const DEFAULT_LISTEN_BACKLOG = 4096;

/** Validates a `listenBacklog` option (an integer 1…65535). */
export function listenBacklogOption(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw new RangeError(`listenBacklog must be an integer between 1 and 65535, got ${String(value)}`);
  }
  return value;
}
