import { CloseCode, StelarErrorCode, type ProtocolError } from '../../domain/errors';
import { ErrorPrefix, createError } from '../socket/protocol-errors';
import { MAX_CONTROL_PAYLOAD, Opcode } from './ws-constants';
import { isValidReceivedCloseCode } from './ws-close-codes';
import { isValidUtf8 } from './utf8-validator';

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
  if ((b0 & 0x30) !== 0) return createError(ErrorPrefix.WsFrame, 'RSV2 and RSV3 must be clear', StelarErrorCode.UnexpectedRsv, CloseCode.ProtocolError);
  const rsv1 = (b0 & 0x40) === 0x40;
  const fin = (b0 & 0x80) === 0x80;
  const opcode = b0 & 0x0f;
  const masked = (b1 & 0x80) === 0x80;
  if (opcode === Opcode.Continuation) {
    // §5.4: a continuation frame needs a message in progress; RSV1 belongs to the first frame.
    if (rsv1) return createError(ErrorPrefix.WsFrame, 'RSV1 must be clear', StelarErrorCode.UnexpectedRsv, CloseCode.ProtocolError);
    if (messageOpcode === 0) return createError(ErrorPrefix.WsFrame, 'invalid opcode 0', StelarErrorCode.InvalidContinuation, CloseCode.ProtocolError);
  } else if (opcode === Opcode.Text || opcode === Opcode.Binary) {
    if (messageOpcode !== 0) {
      return createError(ErrorPrefix.WsFrame, `invalid opcode ${opcode}: expected a continuation frame`, StelarErrorCode.InvalidContinuation, CloseCode.ProtocolError);
    }
    // RFC 7692 §6: RSV1 marks a compressed message only when permessage-deflate was agreed.
    if (rsv1 && !deflate) return createError(ErrorPrefix.WsFrame, 'RSV1 must be clear', StelarErrorCode.UnexpectedRsv, CloseCode.ProtocolError);
  } else if (opcode >= Opcode.Close && opcode <= Opcode.Pong) {
    // §5.5: control frames are never fragmented, never compressed, and at most 125 bytes.
    if (!fin) return createError(ErrorPrefix.WsFrame, 'FIN must be set', StelarErrorCode.InvalidControlFrame, CloseCode.ProtocolError);
    if (rsv1) return createError(ErrorPrefix.WsFrame, 'RSV1 must be clear', StelarErrorCode.UnexpectedRsv, CloseCode.ProtocolError);
    const length = b1 & 0x7f;
    if (length > MAX_CONTROL_PAYLOAD) {
      return createError(ErrorPrefix.WsFrame, `invalid payload length ${length}`, StelarErrorCode.InvalidControlFrame, CloseCode.ProtocolError);
    }
  } else {
    // §5.2: opcodes 3-7 and 0xB-0xF are reserved.
    return createError(ErrorPrefix.WsFrame, `invalid opcode ${opcode}`, StelarErrorCode.InvalidOpcode, CloseCode.ProtocolError);
  }
  // §5.1: clients always mask, servers never do.
  if (isServer && !masked) return createError(ErrorPrefix.WsFrame, 'MASK must be set', StelarErrorCode.Unmasked, CloseCode.ProtocolError);
  if (!isServer && masked) return createError(ErrorPrefix.WsFrame, 'MASK must be clear', StelarErrorCode.UnexpectedMask, CloseCode.ProtocolError);
  return null;
}

/**
 * The rules of a non-empty close frame body (RFC 6455 §5.5.1, §7.4): a 2-byte status code the
 * peer may send, then a UTF-8 reason (1007 otherwise). Null when the body is acceptable.
 */
export function closeBodyProblem(body: Buffer): ProtocolError | null {
  if (body.length === 1) return createError(ErrorPrefix.WsFrame, 'invalid close payload length 1', StelarErrorCode.InvalidCloseCode, CloseCode.ProtocolError);
  const code = body.readUInt16BE(0);
  if (!isValidReceivedCloseCode(code)) return createError(ErrorPrefix.WsFrame, `invalid status code ${code}`, StelarErrorCode.InvalidCloseCode, CloseCode.ProtocolError);
  if (!isValidUtf8(body.subarray(2))) {
    return createError(ErrorPrefix.WsFrame, 'invalid UTF-8 sequence', StelarErrorCode.InvalidUtf8, CloseCode.InvalidPayload);
  }
  return null;
}
