import type { MessageCodec } from '../../src/ports/message-codec.port';
import type { OutboundMessage, Protocol } from '../../src/ports/connection.port';
import { MessageType, type StelarMessage } from '../../src/domain/message';
import { CloseCode, StelarError, StelarErrorCode } from '../../src/domain/errors';

/** What FakeCodec.encode returns: the message it encoded stays readable by tests. */
export interface FakeOutbound extends OutboundMessage {
  readonly message: StelarMessage;
}

/**
 * JSON codec for tests: binary bytes travel as number arrays. `encodeCalls` lets tests check
 * that a broadcast is encoded once per protocol.
 */
export class FakeCodec implements MessageCodec {
  encodeCalls = 0;

  constructor(readonly protocol: Protocol = 'ws') {}

  encode(message: StelarMessage): FakeOutbound {
    this.encodeCalls++;
    return {
      payload: FakeCodec.bytes(message),
      binary: message.type === MessageType.Binary,
      frameCache: undefined,
      message,
    };
  }

  decode(payload: Uint8Array, _binary: boolean): StelarMessage {
    let obj: unknown;
    try {
      obj = JSON.parse(new TextDecoder().decode(payload));
    } catch {
      throw new StelarError(StelarErrorCode.InvalidJson, 'invalid JSON', CloseCode.InvalidPayload);
    }
    if (typeof obj !== 'object' || obj === null || typeof (obj as { type?: unknown }).type !== 'number') {
      throw new StelarError(StelarErrorCode.InvalidMessage, 'missing type', CloseCode.InvalidPayload);
    }
    const m = obj as { type: number; bytes?: number[] };
    if (m.type === MessageType.Binary) return { ...m, bytes: Uint8Array.from(m.bytes ?? []) } as StelarMessage;
    return m as StelarMessage;
  }

  /** The payload a client would send for `message`. */
  static bytes(message: StelarMessage): Uint8Array {
    const json = JSON.stringify(message, (_k, v: unknown) =>
      v instanceof Uint8Array ? Array.from(v) : v,
    );
    return new TextEncoder().encode(json);
  }
}
