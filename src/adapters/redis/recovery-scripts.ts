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
 * Appends to a direct stream at the offset its one writer (the node holding the connection)
 * assigned; ignored when the stream is another incarnation (a stale writer).
 * KEYS: stream, meta. ARGV: epoch, offset, maxlen, stream TTL ms, meta TTL ms, JSON message, time.
 */
export const APPEND_DIRECT_LUA = `
if redis.call('HGET', KEYS[2], 'e') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], 's', ARGV[2])
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], ARGV[2] .. '-0', 'j', ARGV[6], 't', ARGV[7])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1
`;

/**
 * Writes a session record `{ t = token, v = JSON }` with a TTL; with an expected token (ARGV[1]
 * not empty) only if the stored token is that one (compare-and-set). Returns 1 when written.
 * KEYS: session. ARGV: expected token or '', token, JSON, TTL ms.
 */
export const SET_SESSION_LUA = `
if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], 't') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 't', ARGV[2], 'v', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;

/** Deletes a session record (with an expected token: only if it still has it). KEYS: session. ARGV: expected or ''. */
export const DELETE_SESSION_LUA = `
if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], 't') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`;
