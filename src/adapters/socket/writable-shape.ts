import { Writable } from 'node:stream';

let shaped = false;
const ONE_BYTE = new Uint8Array(1);
const writeNothing = (_chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void => callback();

/**
 * Idle memory per connection (docs/PERFORMANCE.md, "Floors"): V8 fixes the in-object size of
 * Node's `WritableState` (one per socket) after its first few instances in the process
 * ("slack tracking"). The first write on a stream adds one more property (the write callback);
 * when the first sockets of a burst are all accepted before any of them is written (a storm of
 * connects, Stelar's writes deferred to the end of the turn), that property ends up outside the
 * object, in a 40 B property array every later socket pays for the process's lifetime (+32 B
 * per idle connection). Writing to a few throwaway streams first, while V8 still tracks the
 * shape, keeps it in the object. Once per process, at listen; no effect when the process had
 * already made its streams (the shape is then whatever it was).
 */
export function shapeWritableState(): void {
  if (shaped) return;
  shaped = true;
  for (let i = 0; i < 8; i++) {
    const w = new Writable({ write: writeNothing });
    w.write(ONE_BYTE);
    w.destroy();
  }
}
