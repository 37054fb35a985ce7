// Child-process StelarServer nodes (fixtures/server-node.fixture.ts) and clients for the
// three-process cluster tests.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { StelarClient } from '../../../src';
import { waitFor } from './cluster-kit';

/** A StelarServer node in a child process, driven over IPC. */
export class ServerNode {
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  port = 0;
  tcpPort = 0;
  readonly exited: Promise<void>;
  readonly stderr: string[] = [];

  private constructor(
    readonly nodeId: string,
    readonly proc: ChildProcess,
  ) {
    this.exited = new Promise((r) => proc.once('exit', () => r()));
    proc.on('message', (m: any) => {
      if (m.ready) {
        this.port = m.port;
        this.tcpPort = m.tcpPort;
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new Error(m.error));
      else p.resolve(m.result);
    });
    proc.stderr!.setEncoding('utf8').on('data', (c: string) => this.stderr.push(c));
    void this.exited.then(() => {
      for (const p of this.pending.values()) p.reject(new Error(`node ${nodeId} exited`));
      this.pending.clear();
    });
  }

  /** Spawns a node and waits until it listens. */
  static async spawn(
    redis: unknown,
    prefix: string,
    nodeId: string,
    sharded = false,
    fixture = path.join(__dirname, 'fixtures/server-node.fixture.ts'),
    extraEnv: Record<string, string> = {},
  ): Promise<ServerNode> {
    const root = path.resolve(__dirname, '../../..');
    const proc = spawn(
      process.execPath,
      ['-r', 'esbuild-register', fixture],
      {
        cwd: root,
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        env: {
          ...process.env,
          STELAR_FIXTURE_REDIS: JSON.stringify(redis),
          STELAR_FIXTURE_PREFIX: prefix,
          STELAR_FIXTURE_NODE_ID: nodeId,
          STELAR_FIXTURE_SHARDED: sharded ? '1' : '0',
          ...extraEnv,
        },
      },
    );
    const node = new ServerNode(nodeId, proc);
    let gone = false;
    void node.exited.then(() => (gone = true));
    await waitFor(() => node.port > 0 || gone, `server node ${nodeId} to start`, 20000);
    if (gone) throw new Error(`server node ${nodeId} exited: ${node.stderr.join('')}`);
    return node;
  }

  /** Runs an IPC command in the node (cluster queries, server.broadcast). */
  ask<T = any>(op: string, arg?: string): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.proc.send({ id, op, arg });
    });
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Graceful stop (IPC disconnect → server.stop()), SIGKILL after 5 s. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    this.proc.disconnect();
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(t);
  }
}

/** A connected client of `node` over `mode`, recording every event it receives. */
export async function connectClient(
  node: ServerNode,
  mode: 'ws' | 'tcp',
): Promise<{ client: StelarClient; id: string; got: { event: string; data: unknown }[] }> {
  const target = mode === 'ws' ? `ws://127.0.0.1:${node.port}/` : `127.0.0.1:${node.tcpPort}`;
  const client = new StelarClient(target, { mode, reconnection: false, logger: 'silent' });
  const got: { event: string; data: unknown }[] = [];
  client.onAll((m) => got.push({ event: m.event, data: m.data }));
  await new Promise<void>((resolve, reject) => {
    client.once('error', reject);
    client.once('connect', () => resolve());
    client.connect();
  });
  return { client, id: client.getId()!, got };
}
