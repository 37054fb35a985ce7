import { CloseCode } from '../../domain/errors';
import { MessageType } from '../../domain/message';
import { TcpBinaryCodec } from '../codec/tcp-binary.codec';

const codec = new TcpBinaryCodec();

/** Why the peer said it is leaving: the close code and reason of its Disconnect frame. */
export interface PeerDisconnect {
  readonly code: number;
  readonly reason: string;
}

const NO_STATUS: PeerDisconnect = { code: CloseCode.NoStatus, reason: '' };

/**
 * Reads a Disconnect frame body (type byte first) received from the peer, for the close code and
 * reason both ends of a TCP connection report once the socket closes. A body that does not decode
 * counts as a Disconnect without a status (1005, like a WebSocket close frame without a body);
 * the domain still receives the frame itself and reports the decoding error.
 */
export function peerDisconnectOf(body: Uint8Array): PeerDisconnect {
  try {
    const m = codec.decode(body, true);
    return m.type === MessageType.Disconnect ? { code: m.code, reason: m.reason } : NO_STATUS;
  } catch {
    return NO_STATUS;
  }
}
