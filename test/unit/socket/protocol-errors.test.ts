import { ErrorPrefix, createError } from '../../../src/adapters/socket/protocol-errors';
import { CloseCode, ProtocolError, StelarErrorCode as E } from '../../../src/domain/errors';

describe('createError (the one protocol-error factory)', () => {
  it('carries the layer prefix, the stable code and the close code', () => {
    const err = createError(ErrorPrefix.WsFrame, 'invalid opcode 3', E.InvalidOpcode, CloseCode.ProtocolError);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toBe('Invalid WebSocket frame: invalid opcode 3');
    expect(err.code).toBe(E.InvalidOpcode);
    expect(err.closeCode).toBe(1002);
    expect(err.size).toBeUndefined();
    expect(err.toJSON()).toEqual({ code: E.InvalidOpcode, message: 'Invalid WebSocket frame: invalid opcode 3', closeCode: 1002 });
  });

  it('size refusals carry the declared size, typed', () => {
    const err = createError(ErrorPrefix.TcpFrame, 'totalLen 9 exceeds maxFrameSize 8', E.FrameTooLarge, CloseCode.MessageTooBig, 9);
    expect(err.size).toBe(9);
    expect(err.message.startsWith('Invalid frame: ')).toBe(true);
  });

  it('the stack starts at the code that raised the error, not in the factory', () => {
    function parserState(): ProtocolError {
      return createError(ErrorPrefix.Message, 'payload is not valid JSON', E.InvalidJson, CloseCode.InvalidPayload);
    }
    const lines = (parserState().stack ?? '').split('\n');
    expect(lines[1]).toContain('parserState');
    expect(lines.some((l) => l.includes('createError'))).toBe(false);
  });
});
