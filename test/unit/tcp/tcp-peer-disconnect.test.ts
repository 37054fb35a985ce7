import { TcpBinaryCodec } from '../../../src/adapters/codec/tcp-binary.codec';
import { peerDisconnectOf } from '../../../src/adapters/tcp/tcp-peer-disconnect';
import { MessageType } from '../../../src/domain/message';

const codec = new TcpBinaryCodec();
/** A frame body as the parser hands it over: the frame without its 4-byte totalLen. */
const body = (frame: Uint8Array) => frame.subarray(4);

describe('peerDisconnectOf (TCP Disconnect frame from the peer)', () => {
  it('reads the close code and reason', () => {
    const frame = codec.encode({ type: MessageType.Disconnect, code: 4001, reason: 'bye \u00e9' }).payload;
    expect(peerDisconnectOf(body(frame))).toEqual({ code: 4001, reason: 'bye \u00e9' });
  });

  it('counts an undecodable Disconnect as one without a status (1005)', () => {
    const frame = Buffer.from(codec.encode({ type: MessageType.Disconnect, code: 1000, reason: 'x' }).payload);
    const broken = Buffer.from(body(frame));
    broken[broken.length - 2] = 0xff; // corrupt the JSON payload
    expect(peerDisconnectOf(broken)).toEqual({ code: 1005, reason: '' });
    expect(peerDisconnectOf(Uint8Array.of(MessageType.Disconnect))).toEqual({ code: 1005, reason: '' });
  });

  it('ignores a frame of another type', () => {
    const frame = codec.encode({ type: MessageType.Event, event: 'e', data: 1 }).payload;
    expect(peerDisconnectOf(body(frame))).toEqual({ code: 1005, reason: '' });
  });
});
