import * as net from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 for connection-drop tests: forwards every connection to `target`,
 * and `cut()` kills every pair abruptly in both directions (RST, no close frame, no FIN), as a
 * lost network would. `retarget(port)` sends later connections elsewhere (another server).
 */
export class DropProxy {
  private readonly server: net.Server;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private readonly frozen: net.Socket[] = [];
  /** Connections accepted so far. */
  accepted = 0;

  private constructor(private target: number) {
    this.server = net.createServer((client) => {
      this.accepted++;
      const upstream = net.connect(this.target, '127.0.0.1');
      const pair: [net.Socket, net.Socket] = [client, upstream];
      this.pairs.add(pair);
      client.pipe(upstream);
      upstream.pipe(client);
      const drop = (): void => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
  }

  static async start(target: number): Promise<DropProxy> {
    const p = new DropProxy(target);
    await new Promise<void>((resolve) => p.server.listen(0, '127.0.0.1', resolve));
    return p;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  retarget(port: number): void {
    this.target = port;
  }

  /**
   * Stops forwarding on every open pair without closing anything: both ends keep a socket that
   * looks alive and never gets another byte (a half-open connection). Whatever either side
   * closes later stays on its side.
   */
  freeze(): void {
    for (const pair of [...this.pairs]) {
      for (const s of pair) {
        s.unpipe();
        s.pause();
        s.removeAllListeners('close');
        s.removeAllListeners('error');
        s.on('error', () => {});
        this.frozen.push(s);
      }
    }
    this.pairs.clear();
  }

  /** Resets every open pair at once (both sides see ECONNRESET / an abnormal close). */
  cut(): void {
    for (const [a, b] of [...this.pairs]) {
      a.resetAndDestroy();
      b.resetAndDestroy();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.cut();
    for (const s of this.frozen.splice(0)) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
