import type {
  Connection,
  ConnectionHandler,
  OutboundMessage,
  Protocol,
} from '../../src/ports/connection.port';
import type { StelarMessage } from '../../src/domain/message';
import { FakeOutbound } from './fake-codec';

/** Records everything the domain does to a connection; the test drives its inbound side. */
export class FakeConnection implements Connection {
  readonly sent: OutboundMessage[] = [];
  readonly closes: { code: number; reason: string }[] = [];
  pings = 0;
  terminated = false;
  /** When true, close()/terminate() report onClose synchronously (some transports do). */
  closeSync = false;
  isOpen = true;
  bufferedAmount = 0;
  owner: unknown = null;
  handler: ConnectionHandler | null = null;
  readonly socket = { fake: 'socket' };
  readonly request: unknown;

  constructor(
    readonly protocol: Protocol = 'ws',
    readonly remoteAddress = '10.0.0.1',
  ) {
    this.request = protocol === 'ws' ? { headers: {} } : null;
  }

  setHandler(handler: ConnectionHandler): void {
    this.handler = handler;
  }

  send(message: OutboundMessage): boolean {
    if (!this.isOpen) throw new Error('send on a closed FakeConnection');
    this.sent.push(message);
    return true;
  }

  ping(): void {
    this.pings++;
  }

  /** Records the close; the transport would report onClose later (see {@link finishClose}). */
  close(code: number, reason: string): void {
    this.closes.push({ code, reason });
    this.isOpen = false;
    if (this.closeSync) this.finishClose(code, reason);
  }

  terminate(): void {
    this.terminated = true;
    this.isOpen = false;
    if (this.closeSync) this.finishClose(1006, '');
  }

  /** The messages sent, as the FakeCodec encoded them. */
  messages(): StelarMessage[] {
    return this.sent.map((o) => (o as FakeOutbound).message);
  }

  /** Simulates the transport reporting the end of the connection (exactly once). */
  finishClose(code = 1000, reason = ''): void {
    this.isOpen = false;
    this.handler?.onClose(this, code, reason);
  }

  /** Delivers one inbound message body, as a transport would. */
  receive(payload: Uint8Array, binary = false): void {
    this.handler?.onMessage(this, payload, binary);
  }
}
