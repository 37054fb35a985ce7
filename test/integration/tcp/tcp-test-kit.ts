import type { ClientDialOptions, ClientTransportHandler } from '../../../src/ports/client-transport.port';
import { TcpBinaryCodec } from '../../../src/adapters/codec/tcp-binary.codec';
import type { StelarMessage } from '../../../src/domain/message';

const codec = new TcpBinaryCodec();

/** Records what a client transport reports. */
export class RecordingClientHandler implements ClientTransportHandler {
  opened = 0;
  readonly messages: StelarMessage[] = [];
  readonly errors: Error[] = [];
  readonly closes: { code: number; reason: string }[] = [];
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  constructor() {
    this.closed = new Promise((r) => (this.resolveClosed = r));
  }
  onOpen(): void {
    this.opened++;
  }
  onMessage(payload: Uint8Array, binary: boolean): void {
    expect(binary).toBe(true);
    this.messages.push(codec.decode(payload, true));
  }
  onClose(code: number, reason: string): void {
    this.closes.push({ code, reason });
    this.resolveClosed();
  }
  onError(err: Error): void {
    this.errors.push(err);
  }
}

/** Dial options with test defaults (the codec is what the client core injects from its registry). */
export function dialOptions(url: string, extra: Partial<ClientDialOptions> = {}): ClientDialOptions {
  return {
    url,
    tls: false,
    rejectUnauthorized: true,
    headers: {},
    maxPayloadSize: 1 << 20,
    maxFrameSize: 1 << 20,
    codec,
    ...extra,
  };
}

/** Polls `predicate` every 5 ms (bounded by timeoutMs). */
export function until(predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (predicate()) return resolve();
      if (Date.now() > deadline) return reject(new Error('condition not met in time'));
      setTimeout(tick, 5);
    };
    tick();
  });
}

