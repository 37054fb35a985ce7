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
  /** Client sockets waiting for {@link release} (see {@link hold}). */
  private held: net.Socket[] | null = null;
  /** Connections accepted so far. */
  accepted = 0;

  private constructor(private target: number) {
    this.server = net.createServer((client) => {
      this.accepted++;
      if (this.held !== null) {
        client.pause();
        client.on('error', () => {});
        this.held.push(client);
        return;
      }
      this.forward(client);
    });
  }

  /**
   * New connections wait (accepted, not forwarded: the client's dial just takes longer) until
   * {@link release}: a test does its "while the client is away" work without racing the
   * client's reconnection.
   */
  hold(): void {
    this.held ??= [];
  }

  /** Forwards the connections that waited, and the later ones. */
  release(): void {
    const waiting = this.held ?? [];
    this.held = null;
    for (const c of waiting) if (!c.destroyed) this.forward(c);
  }

  private forward(client: net.Socket): void {
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
    client.resume();
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

  /**
   * A half-open server connection: resets the client side of every open pair (the client sees
   * its connection drop and may reconnect) and keeps the server side open and silent (nothing
   * forwarded either way, so the server's connection looks alive). Returns, per pair, what the
   * server writes to its side from now on.
   */
  halfOpen(): { bytes(): Buffer }[] {
    const out: { bytes(): Buffer }[] = [];
    for (const [client, upstream] of [...this.pairs]) {
      client.unpipe();
      upstream.unpipe();
      for (const s of [client, upstream]) {
        s.removeAllListeners('close');
        s.removeAllListeners('error');
        s.on('error', () => {});
      }
      const chunks: Buffer[] = [];
      upstream.on('data', (c: Buffer) => chunks.push(c));
      upstream.resume();
      client.resetAndDestroy();
      this.frozen.push(upstream);
      out.push({ bytes: () => Buffer.concat(chunks) });
    }
    this.pairs.clear();
    return out;
  }

  /**
   * Stops forwarding server → client on every open pair (what the server writes waits in the
   * proxy, never delivered); client → server still flows. The connections stay open.
   */
  muteDownstream(): void {
    for (const [client, upstream] of this.pairs) {
      upstream.unpipe(client);
      upstream.pause();
    }
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
    for (const c of this.held ?? []) c.destroy();
    this.held = null;
    this.cut();
    for (const s of this.frozen.splice(0)) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
