// Shared helpers for the cluster integration tests: nodes with recording handlers and loggers,
// bounded polling, and child-process nodes.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { RedisClusterBus } from '../../../src/adapters/redis';
import type { RedisClusterBusOptions } from '../../../src/adapters/redis';
import type { ClusterDelivery } from '../../../src/ports/cluster-bus.port';
import { FakeClusterStateProvider } from '../../fakes/fake-cluster-state.provider';
import { FakeLogger } from '../../fakes/fake-logger';

/** The shared FakeLogger, with the one query the cluster tests use. */
export class RecordingLogger extends FakeLogger {
  has(level: string, re: RegExp): boolean {
    return this.lines.some((l) => l.level === level && re.test(l.message));
  }
}

/** One in-process node: its bus, fake state, received deliveries and log. */
export interface TestNode {
  readonly bus: RedisClusterBus;
  readonly state: FakeClusterStateProvider;
  readonly received: ClusterDelivery[];
  readonly logger: RecordingLogger;
}

/** Builds and starts a node. */
export async function startNode(
  redis: RedisClusterBusOptions['redis'],
  prefix: string,
  nodeId: string,
  clients: Record<string, string[]>,
  extra: Partial<RedisClusterBusOptions> = {},
): Promise<TestNode> {
  const logger = new RecordingLogger();
  const bus = new RedisClusterBus({
    redis,
    prefix,
    nodeId,
    heartbeatMs: 100,
    nodeTtlMs: 400,
    queryTimeoutMs: 400,
    logger,
    ...extra,
  });
  const state = new FakeClusterStateProvider(clients);
  const received: ClusterDelivery[] = [];
  await bus.start((d) => received.push(d), state);
  return { bus, state, received, logger };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every 20 ms until true; fails with `what` after `timeoutMs`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A node in a child process (test/integration/cluster/fixtures/bus-node.fixture.ts). */
export interface ChildNode {
  readonly proc: ChildProcess;
  readonly deliveries: Record<string, unknown>[];
  readonly stderr: string[];
  readonly exited: Promise<void>;
}

/** Spawns a child node and waits for its READY line. */
export async function spawnChildNode(
  redisUrl: string,
  prefix: string,
  nodeId: string,
  clients: Record<string, string[]>,
  env: Record<string, string> = {},
): Promise<ChildNode> {
  const root = path.resolve(__dirname, '../../..');
  const proc = spawn(
    process.execPath,
    ['-r', 'esbuild-register', path.join(__dirname, 'fixtures/bus-node.fixture.ts')],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        STELAR_FIXTURE_REDIS: redisUrl,
        STELAR_FIXTURE_PREFIX: prefix,
        STELAR_FIXTURE_NODE_ID: nodeId,
        STELAR_FIXTURE_CLIENTS: JSON.stringify(clients),
        ...env,
      },
    },
  );
  const deliveries: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  let ready = false;
  let buf = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.startsWith('READY ')) ready = true;
      else if (line.startsWith('DELIVERY ')) deliveries.push(JSON.parse(line.slice(9)));
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => stderr.push(c));
  let gone = false;
  void exited.then(() => (gone = true));
  await waitFor(() => ready || gone, `child node ${nodeId} to start`, 15000);
  if (!ready) throw new Error(`child node ${nodeId} exited: ${stderr.join('')}`);
  return { proc, deliveries, stderr, exited };
}
