import { closeBodyProblem, frameHeaderProblem } from '../../../src/adapters/websocket/ws-frame-header';

const MASK = 0x80;
const code = (b0: number, b1: number, messageOpcode = 0, deflate = false, isServer = true) =>
  frameHeaderProblem(b0, b1, messageOpcode, deflate, isServer)?.code ?? null;

describe('frame header rules (RFC 6455 §5.1-5.5, RFC 7692 §6)', () => {
  it('accepts data, continuation and control frames that follow the rules', () => {
    expect(code(0x81, MASK | 5)).toBeNull(); // text, FIN, masked
    expect(code(0x02, MASK | 126)).toBeNull(); // binary first fragment, 16-bit length
    expect(code(0x80, MASK | 3, 0x1)).toBeNull(); // final continuation of a text message
    expect(code(0x89, MASK | 125)).toBeNull(); // ping with the largest control payload
    expect(code(0xc1, MASK | 5, 0, true)).toBeNull(); // compressed text when deflate was agreed
    expect(code(0x81, 5, 0, false, false)).toBeNull(); // client side: unmasked server frame
  });

  it('rejects each broken rule with its stable code, in order', () => {
    expect(code(0xa1, MASK)).toBe('STELAR_ERR_UNEXPECTED_RSV'); // RSV2
    expect(code(0xc0, MASK, 0x1)).toBe('STELAR_ERR_UNEXPECTED_RSV'); // RSV1 on a continuation
    expect(code(0x80, MASK)).toBe('STELAR_ERR_INVALID_CONTINUATION'); // nothing to continue
    expect(code(0x81, MASK, 0x2)).toBe('STELAR_ERR_INVALID_CONTINUATION'); // new message mid-message
    expect(code(0xc1, MASK)).toBe('STELAR_ERR_UNEXPECTED_RSV'); // RSV1 without deflate
    expect(code(0x09, MASK)).toBe('STELAR_ERR_INVALID_CONTROL_FRAME'); // fragmented ping
    expect(code(0xc9, MASK, 0, true)).toBe('STELAR_ERR_UNEXPECTED_RSV'); // compressed ping
    expect(code(0x89, MASK | 126)).toBe('STELAR_ERR_INVALID_CONTROL_FRAME'); // ping > 125 bytes
    expect(code(0x83, MASK)).toBe('STELAR_ERR_INVALID_OPCODE'); // reserved data opcode
    expect(code(0x8b, MASK)).toBe('STELAR_ERR_INVALID_OPCODE'); // reserved control opcode
    expect(code(0x81, 5)).toBe('STELAR_ERR_EXPECTED_MASK');
    expect(code(0x81, MASK | 5, 0, false, false)).toBe('STELAR_ERR_UNEXPECTED_MASK');
  });

  it('frame errors close with 1002 and say which frame rule broke', () => {
    const err = frameHeaderProblem(0x83, MASK, 0, false, true);
    expect(err?.closeCode).toBe(1002);
    expect(err?.message).toBe('Invalid WebSocket frame: invalid opcode 3');
  });
});

describe('close frame body rules (RFC 6455 §5.5.1, §7.4)', () => {
  const body = (status: number, reason: Buffer = Buffer.alloc(0)) =>
    Buffer.concat([Buffer.from([status >> 8, status & 0xff]), reason]);

  it('accepts a valid status with or without a UTF-8 reason', () => {
    expect(closeBodyProblem(body(1000))).toBeNull();
    expect(closeBodyProblem(body(4999, Buffer.from('bye \u00e9')))).toBeNull();
  });

  it('rejects a 1-byte body, a status the peer may not send, and a reason that is not UTF-8', () => {
    expect(closeBodyProblem(Buffer.from([3]))?.code).toBe('STELAR_ERR_INVALID_CLOSE_CODE');
    for (const status of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000]) {
      expect(closeBodyProblem(body(status))?.closeCode).toBe(1002);
    }
    const bad = closeBodyProblem(body(1000, Buffer.from([0xc3, 0x28])));
    expect([bad?.code, bad?.closeCode]).toEqual(['STELAR_ERR_INVALID_UTF8', 1007]);
  });
});
