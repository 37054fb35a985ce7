import { EventWaiter } from './event-waiter';
import type { ClientTransportHandler } from '../../src/ports/client-transport.port';

/** Records a client transport's events; `until` waits for a condition (bounded). */
export class ClientRecorder extends EventWaiter implements ClientTransportHandler {
  constructor() {
    super('ClientRecorder');
  }

  opened = false;
  readonly messages: Array<{ payload: Buffer; binary: boolean }> = [];
  readonly errors: Error[] = [];
  readonly closes: Array<{ code: number; reason: string }> = [];

  onOpen(): void {
    this.opened = true;
    this.notify();
  }
  onMessage(payload: Uint8Array, binary: boolean): void {
    this.messages.push({ payload: Buffer.from(payload), binary });
    this.notify();
  }
  onClose(code: number, reason: string): void {
    this.closes.push({ code, reason });
    this.notify();
  }
  onError(err: Error): void {
    this.errors.push(err);
    this.notify();
  }
}
