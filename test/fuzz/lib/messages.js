'use strict';
// fast-check arbitraries of the Stelar message model (valid names, JSON data), for the codecs'
// encode → decode properties.
const { dist } = require('./invariants');

const { MessageType } = dist('domain/message.js');
const { nameProblem } = dist('domain/name-validation.js');

function arbitraries(fc) {
  const name = fc
    .string({ unit: fc.oneof(fc.constantFrom('a', 'z', '_', ':', '.', '-', '/', 'é', '字', '😀'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 24 })
    .filter((s) => nameProblem(s) === null);
  const data = fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined });
  const id = fc.integer({ min: 0, max: 0x7fffffff });
  const text = fc.string({ maxLength: 40 });
  const meta = fc.option(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean()), { maxKeys: 3 }), { nil: undefined });
  return fc.oneof(
    fc.record({ type: fc.constant(MessageType.Event), event: name, data }),
    fc.record({ type: fc.constant(MessageType.Binary), event: name, bytes: fc.uint8Array({ maxLength: 64 }), meta }, { requiredKeys: ['type', 'event', 'bytes'] }),
    fc.constant({ type: MessageType.Ping }),
    fc.constant({ type: MessageType.Pong }),
    fc.record({ type: fc.constant(MessageType.AckRequest), event: name, ack: name, id, data }),
    fc.record({ type: fc.constant(MessageType.AckResponse), ack: name, id: fc.option(id, { nil: undefined }), data, error: fc.option(text, { nil: undefined }) }),
    fc.record({ type: fc.constant(MessageType.Disconnect), code: fc.integer({ min: 1000, max: 4999 }), reason: text }),
    fc.record({ type: fc.constantFrom(MessageType.JoinRoom, MessageType.LeaveRoom), room: name, id: fc.option(id, { nil: undefined }), ok: fc.option(fc.boolean(), { nil: undefined }), reason: fc.option(text, { nil: undefined }) }),
    fc.record({ type: fc.constant(MessageType.Error), code: name, message: text }),
  );
}

module.exports = { arbitraries, MessageType };
