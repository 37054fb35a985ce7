import fc from 'fast-check';
import { MessageType, type StelarMessage } from '../../../src/domain/message';
import { isValidName } from '../../../src/adapters/codec/name-validation';

/** Valid names: any Unicode (no lone surrogates), up to 255 UTF-8 bytes, no NUL. */
export const nameArb: fc.Arbitrary<string> = fc
  .oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }),
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 255 }),
  )
  .filter((s) => isValidName(s));

const textArb = fc.string({ unit: 'binary', maxLength: 60 });
/** JSON values in JSON-normal form (JSON has no -0: it is generated but reads back as 0). */
const dataArb = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown),
);
const idArb = fc.integer({ min: 0, max: 0x7fffffff });
const bytesArb = fc.uint8Array({ maxLength: 300 });
const seqArb = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const posArb = fc.record({
  stream: fc.oneof(fc.constantFrom('@', '*'), nameArb.map((r) => '#' + r)),
  offset: fc.nat(),
  epoch: fc.string({ minLength: 1, maxLength: 8 }),
});
const metaArb = fc.dictionary(
  fc.string({ maxLength: 10 }),
  fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean()),
  { maxKeys: 4, noNullPrototype: true },
);

/** Every StelarMessage variant with random field values. */
export const messageArb: fc.Arbitrary<StelarMessage> = fc.oneof(
  fc.record({ type: fc.constant(MessageType.Event), event: nameArb, data: dataArb }),
  fc.record(
    {
      type: fc.constant(MessageType.Binary),
      event: nameArb,
      bytes: bytesArb,
      meta: metaArb,
    },
    { requiredKeys: ['type', 'event', 'bytes'] },
  ),
  fc.constant({ type: MessageType.Ping }),
  fc.constant({ type: MessageType.Pong }),
  fc.record({
    type: fc.constant(MessageType.AckRequest),
    event: nameArb,
    ack: nameArb,
    id: idArb,
    data: dataArb,
  }),
  fc.record(
    {
      type: fc.constant(MessageType.AckResponse),
      ack: nameArb,
      id: idArb,
      data: dataArb,
      error: textArb,
    },
    { requiredKeys: ['type', 'ack'] },
  ),
  fc.record({
    type: fc.constant(MessageType.Connect),
    clientId: textArb,
    maxPayloadSize: fc.nat(),
    heartbeatInterval: fc.nat(),
  }),
  fc.record(
    {
      type: fc.constant(MessageType.Connect),
      clientId: fc.constant(''),
      maxPayloadSize: fc.constant(0),
      heartbeatInterval: fc.constant(0),
      version: fc.constant(1),
      headers: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), {
        maxKeys: 3,
        noNullPrototype: true,
      }),
    },
    { requiredKeys: ['type', 'clientId', 'maxPayloadSize', 'heartbeatInterval', 'version'] },
  ),
  fc.record({
    type: fc.constant(MessageType.Disconnect),
    code: fc.integer({ min: 1000, max: 4999 }),
    reason: textArb,
  }),
  fc.record(
    {
      type: fc.constantFrom(MessageType.JoinRoom, MessageType.LeaveRoom),
      room: nameArb,
      id: idArb,
      ok: fc.boolean(),
      reason: textArb,
    },
    { requiredKeys: ['type', 'room'] },
  ),
  fc.record({
    type: fc.constant(MessageType.Error),
    code: fc.constantFrom('STELAR_ERR_RATE_LIMITED', 'STELAR_ERR_INVALID_JSON'),
    message: textArb,
  }),
  // Session recovery: client → server sequence numbers, server → client positions, confirmations.
  fc.record({ type: fc.constant(MessageType.Event), event: nameArb, data: dataArb, seq: seqArb }),
  fc.record({ type: fc.constant(MessageType.Event), event: nameArb, data: dataArb, pos: posArb }),
  fc.record(
    { type: fc.constant(MessageType.Binary), event: nameArb, bytes: bytesArb, meta: metaArb, seq: seqArb },
    { requiredKeys: ['type', 'event', 'bytes', 'seq'] },
  ),
  fc.record(
    { type: fc.constant(MessageType.Binary), event: nameArb, bytes: bytesArb, meta: metaArb, pos: posArb },
    { requiredKeys: ['type', 'event', 'bytes', 'pos'] },
  ),
  fc.record({ type: fc.constant(MessageType.AckRequest), event: nameArb, ack: nameArb, id: idArb, data: dataArb, seq: seqArb }),
  fc.record(
    { type: fc.constant(MessageType.AckResponse), ack: nameArb, id: idArb, data: dataArb, error: textArb, pos: posArb },
    { requiredKeys: ['type', 'ack', 'pos'] },
  ),
  fc.record({ type: fc.constant(MessageType.Confirm), seq: fc.nat(), offset: fc.nat() }, { requiredKeys: ['type'] }),
) as fc.Arbitrary<StelarMessage>;

/** One hand-written example of every variant (and sub-variant). */
export const EXAMPLES: readonly StelarMessage[] = [
  { type: MessageType.Event, event: 'chat', data: { text: 'héllo', n: [1, 2, null] } },
  { type: MessageType.Event, event: 'tick', data: undefined },
  { type: MessageType.Event, event: 'zero', data: 0 },
  { type: MessageType.Event, event: 'nul', data: null },
  { type: MessageType.Event, event: 'ünïcødé 🚀', data: 'x' },
  { type: MessageType.Binary, event: 'file', bytes: Uint8Array.of(0, 1, 2, 255) },
  { type: MessageType.Binary, event: 'empty', bytes: new Uint8Array(0) },
  {
    type: MessageType.Binary,
    event: 'image',
    bytes: Uint8Array.of(0x89, 0x50, 0x4e, 0x47),
    meta: { name: 'a.png', type: 'image/png', size: 4, ok: true },
  },
  { type: MessageType.Ping },
  { type: MessageType.Pong },
  { type: MessageType.AckRequest, event: 'getUser', ack: 'getUser', id: 7, data: { id: 1 } },
  { type: MessageType.AckRequest, event: 'getUser', ack: 'user', id: 0x7fffffff, data: undefined },
  { type: MessageType.AckResponse, ack: 'getUser', id: 7, data: { name: 'Ann' } },
  { type: MessageType.AckResponse, ack: 'getUser', id: 8, error: 'not found' },
  { type: MessageType.AckResponse, ack: 'news', data: [1, 2] },
  { type: MessageType.AckResponse, ack: 'bare' },
  { type: MessageType.Connect, clientId: 'c-1', maxPayloadSize: 1048576, heartbeatInterval: 25000 },
  {
    type: MessageType.Connect,
    clientId: '',
    maxPayloadSize: 0,
    heartbeatInterval: 0,
    version: 1,
  },
  {
    type: MessageType.Connect,
    clientId: '',
    maxPayloadSize: 0,
    heartbeatInterval: 0,
    version: 1,
    headers: { authorization: 'Bearer x' },
  },
  { type: MessageType.Disconnect, code: 1000, reason: 'bye' },
  { type: MessageType.Disconnect, code: 1008, reason: '' },
  { type: MessageType.JoinRoom, room: 'general' },
  { type: MessageType.JoinRoom, room: 'general', id: 3 },
  { type: MessageType.JoinRoom, room: 'general', id: 3, ok: true },
  { type: MessageType.JoinRoom, room: 'vip', id: 4, ok: false, reason: 'denied' },
  { type: MessageType.LeaveRoom, room: 'general' },
  { type: MessageType.LeaveRoom, room: 'general', ok: true },
  { type: MessageType.Error, code: 'STELAR_ERR_RATE_LIMITED', message: 'slow down' },
  { type: MessageType.Event, event: 'chat', data: 1, seq: 5 },
  { type: MessageType.Event, event: 'chat', data: 1, pos: { stream: '#general', offset: 3, epoch: 'Ab3x' } },
  { type: MessageType.Binary, event: 'file', bytes: Uint8Array.of(1, 2), seq: 9 },
  { type: MessageType.Binary, event: 'image', bytes: Uint8Array.of(1), meta: { name: 'a.png' }, seq: 10 },
  { type: MessageType.Binary, event: 'image', bytes: Uint8Array.of(1), meta: { name: 'a\u0000b' }, pos: { stream: '@', offset: 2, epoch: 'e' } },
  { type: MessageType.AckRequest, event: 'getUser', ack: 'getUser', id: 7, data: { id: 1 }, seq: 11 },
  { type: MessageType.AckResponse, ack: 'getUser', id: 7, data: 'x', pos: { stream: '@', offset: 4, epoch: 'e' } },
  { type: MessageType.Confirm, seq: 42 },
  { type: MessageType.Confirm, offset: 17 },
];

/** A comparable copy: binary bytes as plain arrays (Buffer vs Uint8Array), undefined dropped. */
export function normalise(m: StelarMessage): unknown {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) {
    if (v === undefined) continue;
    out[k] = v instanceof Uint8Array ? Array.from(v) : v;
  }
  return out;
}
