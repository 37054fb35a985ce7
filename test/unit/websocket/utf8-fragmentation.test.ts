import { StelarErrorCode } from '../../../src/domain/errors';
import { feedSplit, makeReceiver, rawFrame } from '../../helpers/ws-frames';
import { utf8Cases } from '../../integration/websocket/utf8-sequences';

/** A text message split into two frames at `k`. */
function twoFrames(bytes: Buffer, k: number): Buffer {
  return Buffer.concat([rawFrame({ opcode: 1, fin: false, payload: bytes.subarray(0, k) }), rawFrame({ opcode: 0, payload: bytes.subarray(k) })]);
}

// Autobahn 6.x "fragmented at every position", without sockets: each UTF-8 stress sequence is
// split into two frames at every octet boundary, and its single frame is cut into two TCP
// chunks at every byte; the verdict must never depend on where the split falls.
describe('UTF-8 verdict is independent of fragmentation and chunking', () => {
  for (const { family, bytes, valid } of utf8Cases()) {
    it(`${family}: ${bytes.toString('hex')} → ${valid ? 'message' : '1007'} at every split`, () => {
      const wires: Buffer[] = [];
      for (let k = 0; k <= bytes.length; k++) wires.push(twoFrames(bytes, k));
      const single = rawFrame({ opcode: 1, payload: bytes });
      for (const wire of wires) {
        const { receiver, sink } = makeReceiver();
        receiver.push(Buffer.from(wire));
        checkVerdict(sink.events, bytes, valid);
      }
      for (let cut = 1; cut < single.length; cut++) {
        const { receiver, sink } = makeReceiver();
        feedSplit(receiver, single, [cut]);
        checkVerdict(sink.events, bytes, valid);
      }
    });
  }
});

function checkVerdict(events: ReturnType<typeof makeReceiver>['sink']['events'], bytes: Buffer, valid: boolean): void {
  expect(events).toHaveLength(1);
  const e = events[0];
  if (valid) {
    expect(e.kind === 'message' && e.payload.equals(bytes)).toBe(true);
  } else {
    expect(e.kind).toBe('error');
    if (e.kind === 'error') {
      expect(e.err.code).toBe(StelarErrorCode.InvalidUtf8);
      expect(e.err.closeCode).toBe(1007);
    }
  }
}
