import { CloseCode, StelarErrorCode, protocolError, type ProtocolError } from '../../domain/errors';
import { MAX_CONTROL_PAYLOAD, Opcode } from './ws-constants';
import { isValidReceivedCloseCode } from './ws-close-codes';
import { isValidUtf8 } from './utf8-validator';

/** A frame-level protocol error: `Invalid WebSocket frame: …` with a stable code (1002 by default). */
export function frameError(code: StelarErrorCode, message: string, closeCode: number = CloseCode.ProtocolError): ProtocolError {
  return protocolError(code, `Invalid WebSocket frame: ${message}`, closeCode);
}

/**
 * The rules a frame's first two bytes must follow (RFC 6455 §5.1-§5.5, RFC 7692 §6), checked in
 * this order: RSV2/RSV3, then per opcode (continuation, data, control, reserved), then masking.
 * `messageOpcode` is the opcode of the message in progress (0 when none); `deflate` tells whether
 * permessage-deflate was agreed. Returns null for an acceptable header. Pure: the receiver keeps
 * the state.
 */
export function frameHeaderProblem(
  b0: number,
  b1: number,
  messageOpcode: number,
  deflate: boolean,
  isServer: boolean,
): ProtocolError | null {
  // §5.2: RSV2/RSV3 are never used by an extension we negotiate.
  if ((b0 & 0x30) !== 0) return frameError(StelarErrorCode.UnexpectedRsv, 'RSV2 and RSV3 must be clear');
  const rsv1 = (b0 & 0x40) === 0x40;
  const fin = (b0 & 0x80) === 0x80;
  const opcode = b0 & 0x0f;
  const masked = (b1 & 0x80) === 0x80;
  if (opcode === Opcode.Continuation) {
    // §5.4: a continuation frame needs a message in progress; RSV1 belongs to the first frame.
    if (rsv1) return frameError(StelarErrorCode.UnexpectedRsv, 'RSV1 must be clear');
    if (messageOpcode === 0) return frameError(StelarErrorCode.InvalidContinuation, 'invalid opcode 0');
  } else if (opcode === Opcode.Text || opcode === Opcode.Binary) {
    if (messageOpcode !== 0) {
      return frameError(StelarErrorCode.InvalidContinuation, `invalid opcode ${opcode}: expected a continuation frame`);
    }
    // RFC 7692 §6: RSV1 marks a compressed message only when permessage-deflate was agreed.
    if (rsv1 && !deflate) return frameError(StelarErrorCode.UnexpectedRsv, 'RSV1 must be clear');
  } else if (opcode >= Opcode.Close && opcode <= Opcode.Pong) {
    // §5.5: control frames are never fragmented, never compressed, and at most 125 bytes.
    if (!fin) return frameError(StelarErrorCode.InvalidControlFrame, 'FIN must be set');
    if (rsv1) return frameError(StelarErrorCode.UnexpectedRsv, 'RSV1 must be clear');
    const length = b1 & 0x7f;
    if (length > MAX_CONTROL_PAYLOAD) {
      return frameError(StelarErrorCode.InvalidControlFrame, `invalid payload length ${length}`);
    }
  } else {
    // §5.2: opcodes 3-7 and 0xB-0xF are reserved.
    return frameError(StelarErrorCode.InvalidOpcode, `invalid opcode ${opcode}`);
  }
  // §5.1: clients always mask, servers never do.
  if (isServer && !masked) return frameError(StelarErrorCode.Unmasked, 'MASK must be set');
  if (!isServer && masked) return frameError(StelarErrorCode.UnexpectedMask, 'MASK must be clear');
  return null;
}

/**
 * The rules of a non-empty close frame body (RFC 6455 §5.5.1, §7.4): a 2-byte status code the
 * peer may send, then a UTF-8 reason (1007 otherwise). Null when the body is acceptable.
 */
export function closeBodyProblem(body: Buffer): ProtocolError | null {
  if (body.length === 1) return frameError(StelarErrorCode.InvalidCloseCode, 'invalid close payload length 1');
  const code = body.readUInt16BE(0);
  if (!isValidReceivedCloseCode(code)) return frameError(StelarErrorCode.InvalidCloseCode, `invalid status code ${code}`);
  if (!isValidUtf8(body.subarray(2))) {
    return frameError(StelarErrorCode.InvalidUtf8, 'invalid UTF-8 sequence', CloseCode.InvalidPayload);
  }
  return null;
}
