import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Record layout (see kv-keys.ts): field `e` is always present ("0" = never expires), so a nil `e`
 * means the record is gone, e.g. collected by Redis' own PEXPIREAT, and its index entry is stale.
 * Expiry is judged against the caller's clock (passed in, because the service's clock may be a
 * test clock); like Miniflare, a key is gone once expiration * 1000 <= now (ms), i.e. once
 * expiration <= floor(now / 1000).
 *
 * Every script takes KEYS = index, expiries[, record] and ARGV starting with the record prefix,
 * and only touches keys of that one namespace (one hash tag, so one cluster slot).
 */

/** Lua helper shared by the scripts: forget a key everywhere. */
const FORGET = `
local function forget(prefix, key)
  redis.call('DEL', prefix .. key)
  redis.call('ZREM', KEYS[1], key)
  redis.call('ZREM', KEYS[2], key)
end
`;

/**
 * Put in one atomic step. KEYS = index, expiries, record; ARGV = prefix, key, value, expiration
 * ("0" = none), has-metadata ("1"/"0"), metadata, Redis expiry at (ms, "0" = none), now (s).
 *
 * Then purges up to 10 index entries whose keys expired: a namespace that only writes TTL keys
 * and never lists would otherwise keep one stale index entry per key ever written.
 */
const PUT = `${FORGET}
local prefix, key, expiration, now = ARGV[1], ARGV[2], ARGV[4], ARGV[8]
redis.call('DEL', KEYS[3])
if ARGV[5] == '1' then
  redis.call('HSET', KEYS[3], 'v', ARGV[3], 'e', expiration, 'm', ARGV[6])
else
  redis.call('HSET', KEYS[3], 'v', ARGV[3], 'e', expiration)
end
redis.call('ZADD', KEYS[1], 0, key)
if expiration == '0' then
  redis.call('ZREM', KEYS[2], key)
else
  redis.call('ZADD', KEYS[2], expiration, key)
  if ARGV[7] ~= '0' then redis.call('PEXPIREAT', KEYS[3], ARGV[7]) end
end
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 10)
for i = 1, #due do
  if due[i] ~= key then forget(prefix, due[i]) end
end
`;

/** KEYS = index, expiries, record; ARGV = prefix, key. */
const DELETE = `${FORGET}
forget(ARGV[1], ARGV[2])
`;

/**
 * Removes a record a get found expired, unless a concurrent put replaced it in the meantime.
 * KEYS = index, expiries, record; ARGV = prefix, key, now (s).
 */
const DELETE_IF_EXPIRED = `${FORGET}
local e = redis.call('HGET', KEYS[3], 'e')
if e and e ~= '0' and tonumber(e) <= tonumber(ARGV[3]) then forget(ARGV[1], ARGV[2]) end
`;

/**
 * One list page in one round trip. KEYS = index, expiries; ARGV = prefix, min, max, wanted,
 * now (s). Walks the index in byte order from `min`, dropping expired and stale entries as it
 * meets them, and keeps going until it has `wanted` live keys or the range is exhausted, so expired
 * keys never shorten a page. Returns a flat array: key, expiration, metadata (or nil), ...
 */
const LIST_PAGE = `${FORGET}
local prefix, min, max = ARGV[1], ARGV[2], ARGV[3]
local wanted, now = tonumber(ARGV[4]), tonumber(ARGV[5])
local out = {}
local found = 0
while found < wanted do
  local batch = redis.call('ZRANGEBYLEX', KEYS[1], min, max, 'LIMIT', 0, wanted - found)
  if #batch == 0 then break end
  for i = 1, #batch do
    local key = batch[i]
    local record = redis.call('HMGET', prefix .. key, 'e', 'm')
    local e = record[1]
    if not e or (e ~= '0' and tonumber(e) <= now) then
      forget(prefix, key)
    else
      found = found + 1
      out[#out + 1] = key
      out[#out + 1] = e
      out[#out + 1] = record[2] or false
    end
  end
  min = '(' .. batch[#batch]
end
return out
`;

type Arg = string | Buffer | number;

/** EVALSHA with a fallback to EVAL the first time a server has not seen the script. */
class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: Buffer[], args: Arg[]): Promise<unknown> {
    try {
      return await redis.callBuffer('EVALSHA', this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.callBuffer('EVAL', this.source, keys.length, ...keys, ...args);
    }
  }
}

export const putScript = new LuaScript(PUT);
export const deleteScript = new LuaScript(DELETE);
export const deleteIfExpiredScript = new LuaScript(DELETE_IF_EXPIRED);
export const listPageScript = new LuaScript(LIST_PAGE);
