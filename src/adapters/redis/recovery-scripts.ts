/**
 * The Lua scripts of the Redis recovery stores (redis-session-store.adapter.ts,
 * redis-stream-store.adapter.ts). Each runs atomically on the shard owning its keys; every key of
 * one script shares one hash tag (and, for `distribute`, the channel it publishes to), so they
 * run on a Redis Cluster too.
 *
 * A stream is two keys: the Redis Stream of entries (entry ID = `<offset>-0`) and a meta hash
 * `{ e = epoch, s = top offset }`. A missing or malformed meta hash means the history was lost
 * (flush, eviction, expiry): the next writer makes a new epoch and drops the old entries, so a
 * stale position is always answered `'epoch'`, never misread.
 */

/** Epoch length every script relies on (randomEpoch(): 6 random bytes, base64url). */
export const EPOCH_BYTES = 8;

/**
 * Appends one delivery to a shared stream and publishes it, in one step, so every node sees the
 * cluster's single order of the stream.
 * KEYS: stream, meta. ARGV: candidate epoch, maxlen, stream TTL ms, meta TTL ms, publish command
 * (`publish`/`spublish`), channel, envelope, position slot index (0-based), append time (ms).
 * Writes the assigned offset (16 digits) and the epoch into the envelope's position slot, XADDs
 * it (`MAXLEN ~`) and publishes it. Returns `{ offset, epoch }`.
 */
export const DISTRIBUTE_LUA = `
local epoch = redis.call('HGET', KEYS[2], 'e')
if (not epoch) or string.len(epoch) ~= ${EPOCH_BYTES} then
  epoch = ARGV[1]
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'e', epoch, 's', 0)
end
local top = redis.call('HINCRBY', KEYS[2], 's', 1)
local slot = tonumber(ARGV[8])
local env = string.sub(ARGV[7], 1, slot) .. string.format('%016d', top) .. epoch .. string.sub(ARGV[7], slot + 25)
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], top .. '-0', 'v', env, 't', ARGV[9])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call(ARGV[5], ARGV[6], env)
return {top, epoch}
`;

/**
 * The stream's position, creating it (offset 0, the candidate epoch) when its meta is missing.
 * KEYS: stream, meta. ARGV: candidate epoch, meta TTL ms. Returns `{ epoch, top }`.
 */
export const POSITION_LUA = `
local m = redis.call('HMGET', KEYS[2], 'e', 's')
if (not m[1]) or string.len(m[1]) ~= ${EPOCH_BYTES} or (not m[2]) then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'e', ARGV[1], 's', 0)
  m = {ARGV[1], '0'}
end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return m
`;

/**
 * A new incarnation of a session's direct stream (a new session): old entries dropped.
 * KEYS: stream, meta. ARGV: epoch, meta TTL ms.
 */
export const RESET_LUA = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[2], 'e', ARGV[1], 's', 0)
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
`;

/**
 * The fields of one direct-stream entry, shared by the two direct scripts (Lua): ARGV[k] is the
 * kind, `'j'` (JSON message in ARGV[k+1]) or `'b'` (binary: event ARGV[k+1], bytes ARGV[k+2],
 * meta JSON ARGV[k+3] or ''), so a binary message replays as binary.
 */
const DIRECT_FIELDS = (k: number, t: string): string => `
local function fields(id)
  if ARGV[${k}] == 'j' then return {id, 'j', ARGV[${k + 1}], 't', ${t}} end
  if ARGV[${k + 3}] ~= '' then return {id, 'e', ARGV[${k + 1}], 'b', ARGV[${k + 2}], 'm', ARGV[${k + 3}], 't', ${t}} end
  return {id, 'e', ARGV[${k + 1}], 'b', ARGV[${k + 2}], 't', ${t}}
end
`;

/**
 * Appends to a direct stream at the offset its one writer (the node holding the connection)
 * assigned; ignored when the stream is another incarnation, or when the session record no
 * longer names this node as its holder (a stale writer: the session was resumed elsewhere).
 * KEYS: stream, meta, session. ARGV: epoch, offset, maxlen, stream TTL ms, meta TTL ms, time,
 * holder node id, then the entry fields (DIRECT_FIELDS at 8).
 */
export const APPEND_DIRECT_LUA = `${DIRECT_FIELDS(8, 'ARGV[6]')}
if redis.call('HGET', KEYS[2], 'e') ~= ARGV[1] then return 0 end
if ARGV[7] ~= '' and redis.call('HGET', KEYS[3], 'h') ~= ARGV[7] then return 0 end
redis.call('HSET', KEYS[2], 's', ARGV[2])
local f = fields(ARGV[2] .. '-0')
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], unpack(f))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1
`;

/**
 * A direct message to a session no connection on the sending node holds: the one decision
 * "forward to the holder" or "append to the direct stream at the next offset", atomic with the
 * session's holder field `h` (set by the node holding a connection, cleared at the drop):
 * - no session record: `{0}` (deliver as without recovery: the bus's directory);
 * - a holder other than ARGV[1]: `{1, holder}` (the caller publishes to that node);
 * - no holder (or the holder is ARGV[1], a node found gone: its field is cleared): appended at
 *   `top + 1`, `{2, offset, epoch}`; the resuming node reads the stream only after it set `h`,
 *   so each message is either in the history it reads or forwarded to it, never both, never
 *   neither. A missing meta hash (history lost): `{0}` (the resume answers 'epoch' anyway).
 * KEYS: stream, meta, session. ARGV: gone holder or '', maxlen, stream TTL ms, meta TTL ms,
 * time, then the entry fields (DIRECT_FIELDS at 6).
 */
export const DIRECT_AWAY_LUA = `${DIRECT_FIELDS(6, 'ARGV[5]')}
if redis.call('EXISTS', KEYS[3]) == 0 then return {0} end
local h = redis.call('HGET', KEYS[3], 'h')
if h and h ~= '' and h ~= ARGV[1] then return {1, h} end
if h then redis.call('HDEL', KEYS[3], 'h') end
local epoch = redis.call('HGET', KEYS[2], 'e')
if (not epoch) or string.len(epoch) ~= ${EPOCH_BYTES} then return {0} end
local top = redis.call('HINCRBY', KEYS[2], 's', 1)
local f = fields(top .. '-0')
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], unpack(f))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return {2, top, epoch}
`;

/**
 * Writes a session record `{ t = token, v = JSON, h = holder }` with a TTL; with an expected
 * token (ARGV[1] not empty) only if the stored token is that one (compare-and-set). `h` names
 * the node holding the session's connection (ARGV[5]; '' while suspended: the field is
 * removed). Returns 0 when not written, else the previous holder ('' for none).
 * KEYS: session. ARGV: expected token or '', token, JSON, TTL ms, holder or ''.
 */
export const SET_SESSION_LUA = `
if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], 't') ~= ARGV[1] then return 0 end
local prev = redis.call('HGET', KEYS[1], 'h') or ''
redis.call('HSET', KEYS[1], 't', ARGV[2], 'v', ARGV[3])
if ARGV[5] == '' then redis.call('HDEL', KEYS[1], 'h') else redis.call('HSET', KEYS[1], 'h', ARGV[5]) end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return prev
`;

/**
 * Client → server at most once across nodes: raises the session's processed client sequence
 * mark (field `p`) to ARGV[2] if the record still has token ARGV[1]. Returns 1, or 0 when the
 * session belongs to another connection now (resumed elsewhere). KEYS: session.
 */
export const MARK_LUA = `
if redis.call('HGET', KEYS[1], 't') ~= ARGV[1] then return 0 end
local cur = tonumber(redis.call('HGET', KEYS[1], 'p') or '0')
if tonumber(ARGV[2]) > cur then redis.call('HSET', KEYS[1], 'p', ARGV[2]) end
return 1
`;

/** Deletes a session record (with an expected token: only if it still has it). KEYS: session. ARGV: expected or ''. */
export const DELETE_SESSION_LUA = `
if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], 't') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`;
