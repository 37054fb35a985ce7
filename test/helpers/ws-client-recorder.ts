import type { ClientTransportHandler } from '../../src/ports/client-transport.port';

/** Records a client transport's events; `until` waits for a condition (bounded). */
export class ClientRecorder implements ClientTransportHandler {
  opened = false;
  readonly messages: Array<{ payload: Buffer; binary: boolean }> = [];
  readonly errors: Error[] = [];
  readonly closes: Array<{ code: number; reason: string }> = [];
  private waiters: Array<() => void> = [];

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

  until(predicate: () => boolean, ms = 5000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('ClientRecorder.until timed out')), ms);
      const check = (): void => {
        if (predicate()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
