import * as net from 'node:net';
import * as tls from 'node:tls';
import { TcpFrameParser, type TcpFrameSink } from '../../../src/adapters/tcp/tcp-frame-parser';
import { TcpBinaryCodec } from '../../../src/adapters/codec/tcp-binary.codec';
import { MessageType, type StelarMessage } from '../../../src/domain/message';
import type { ProtocolError } from '../../../src/domain/errors';

const codec = new TcpBinaryCodec();

/** A bare socket speaking the frame format, for tests that must misbehave on purpose. */
export class RawTcpClient implements TcpFrameSink {
  readonly socket: net.Socket;
  readonly messages: StelarMessage[] = [];
  readonly closed: Promise<void>;
  readonly connected: Promise<void>;
  private readonly parser = new TcpFrameParser(this, { maxFrameSize: 64 << 20 });
  private waiters: { n: number; resolve: () => void }[] = [];

  constructor(port: number, options: { tls?: tls.ConnectionOptions } = {}) {
    this.socket = options.tls
      ? tls.connect({ host: '127.0.0.1', port, ...options.tls })
      : net.connect({ host: '127.0.0.1', port });
    this.connected = new Promise((resolve) =>
      this.socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve()),
    );
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.socket.on('error', () => {});
    this.socket.on('data', (chunk) => this.parser.push(chunk));
  }

  onFrame(body: Uint8Array): void {
    const m = codec.decode(body, true);
    this.messages.push(m.type === MessageType.Binary ? { ...m, bytes: Uint8Array.from(m.bytes) } : m);
    this.waiters = this.waiters.filter((w) => {
      if (this.messages.length < w.n) return true;
      w.resolve();
      return false;
    });
  }

  onFrameError(err: ProtocolError): void {
    throw err;
  }

  /** Sends a message encoded with the TCP codec. */
  send(m: StelarMessage): void {
    this.socket.write(codec.encode(m).payload);
  }

  /** Sends the Connect hello. */
  hello(headers?: Record<string, string>): void {
    this.send({ type: MessageType.Connect, clientId: '', maxPayloadSize: 0, heartbeatInterval: 0, version: 1, headers });
  }

  /** Resolves once `n` messages in total have arrived. */
  waitFor(n: number): Promise<StelarMessage[]> {
    if (this.messages.length >= n) return Promise.resolve(this.messages);
    return new Promise((resolve) => this.waiters.push({ n, resolve: () => resolve(this.messages) }));
  }

  destroy(): void {
    this.socket.destroy();
  }
}
