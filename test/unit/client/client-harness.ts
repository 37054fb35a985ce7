import { BaseStelarClient, type StelarClientDeps } from '../../../src/application/client/stelar-client';
import type { StelarClientOptions } from '../../../src/application/client/client-options';
import { ClientFakeClock } from '../../fakes/client-fake-clock';
import { FakeClientTransportFactory } from '../../fakes/fake-client-transport';

/** A client wired to fake transports, a fake clock and fixed jitter (random() = 0.5). */
export function harness(options: StelarClientOptions = {}, target: string | number = 3000) {
  const clock = new ClientFakeClock();
  const ws = new FakeClientTransportFactory('ws');
  const tcp = new FakeClientTransportFactory('tcp', ws.codec);
  const deps: StelarClientDeps = {
    transports: { ws, tcp },
    codecs: { ws: ws.codec, tcp: ws.codec },
    clock,
    random: () => 0.5,
  };
  const client = new BaseStelarClient(target, { logger: 'silent', ...options }, deps);
  const events: unknown[][] = [];
  for (const e of ['connect', 'disconnect', 'reconnecting', 'reconnect_failed', 'error']) {
    client.on(e, (arg?: unknown) => events.push(arg === undefined ? [e] : [e, arg]));
  }
  return { client, clock, ws, tcp, events };
}

/** Lets pending promise callbacks run. */
export const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
