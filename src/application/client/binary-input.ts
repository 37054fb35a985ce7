import type { BinaryMeta } from '../../domain/message';

/** What emitBinary accepts synchronously: bytes in any typed-array or ArrayBuffer shape. */
export type BinaryData = Uint8Array | ArrayBuffer | ArrayBufferView;

/** A Blob-like value (Blob/File in browsers, Node's Blob too). */
export interface BlobLike {
  readonly size: number;
  readonly type: string;
  readonly name?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** What sendFile/sendImage accept: a Blob/File, or bytes (Buffer/Uint8Array in Node). */
export type FileInput = BlobLike | BinaryData;

/** True for Blob/File (duck-typed: no `Blob` global is assumed to exist). */
export function isBlobLike(v: unknown): v is BlobLike {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as BlobLike).arrayBuffer === 'function' &&
    typeof (v as BlobLike).size === 'number' &&
    !ArrayBuffer.isView(v)
  );
}

/** A zero-copy Uint8Array view of `data`; throws a TypeError for anything that is not bytes. */
export function toBytes(data: BinaryData): Uint8Array {
  if (data instanceof Uint8Array) return data;
  // toString tag rather than instanceof: an ArrayBuffer from another realm (iframe, vm) counts.
  if (Object.prototype.toString.call(data) === '[object ArrayBuffer]') return new Uint8Array(data as ArrayBuffer);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError('binary data must be a Uint8Array, Buffer, ArrayBuffer or typed array (use sendFile for a Blob)');
}

/** Reads a file input into bytes plus its `{ name, type, size }` metadata. */
export async function readFileInput(
  input: FileInput,
  defaults: { name: string; type: string },
  override: { name?: string; type?: string } = {},
): Promise<{ bytes: Uint8Array; meta: BinaryMeta }> {
  if (isBlobLike(input)) {
    const bytes = new Uint8Array(await input.arrayBuffer());
    const name = override.name ?? (typeof input.name === 'string' && input.name ? input.name : defaults.name);
    const type = override.type ?? (input.type || defaults.type);
    return { bytes, meta: { name, type, size: bytes.byteLength } };
  }
  const bytes = toBytes(input);
  return {
    bytes,
    meta: { name: override.name ?? defaults.name, type: override.type ?? defaults.type, size: bytes.byteLength },
  };
}
