import type { Protocol } from '../ports/connection.port';
import type { MessageCodec } from '../ports/message-codec.port';

/**
 * The codecs of the installed transports, looked up by protocol id (one per id). The domain
 * encodes and decodes through it and never names a protocol.
 */
export class CodecRegistry {
  private readonly byProtocol = new Map<Protocol, MessageCodec>();

  constructor(codecs: Iterable<MessageCodec>) {
    for (const codec of codecs) {
      if (this.byProtocol.has(codec.protocol)) throw new RangeError(`Two codecs for protocol "${codec.protocol}"`);
      this.byProtocol.set(codec.protocol, codec);
    }
  }

  /** The codec of `protocol`; throws for a protocol no transport registered (a wiring mistake). */
  get(protocol: Protocol): MessageCodec {
    const codec = this.byProtocol.get(protocol);
    if (codec === undefined) throw new RangeError(`No codec for protocol "${protocol}"`);
    return codec;
  }

  /** Every registered protocol id, in registration order. */
  protocols(): IterableIterator<Protocol> {
    return this.byProtocol.keys();
  }
}
