import { APP_ID, RESOURCE_ID, type TenantRef } from '../gateway/wire.js';
import { KvTenantError } from './kv-errors.js';

/**
 * Redis layout of one namespace:
 *
 *   kv:{<appId>/<resourceId>}:i           sorted set, every key at score 0 (the list index)
 *   kv:{<appId>/<resourceId>}:x           sorted set, keys that expire, scored by expiration seconds
 *   kv:{<appId>/<resourceId>}:v:<key>     hash { v: value, e: expiration seconds or "0", m: metadata JSON }
 *
 * The validated ids cannot contain `/`, `}` or `:`, so the prefix up to `}:` names exactly one
 * (app, namespace) and no prefix is a prefix of another: whatever bytes follow `:v:` (a user key
 * with `:`, `{`, `}`, NUL, `../`) stay inside the namespace. User keys are stored as their UTF-8
 * bytes, not escaped, so the index orders them by memcmp like Cloudflare does. The `{...}` hash tag
 * keeps a namespace in one cluster slot, which the Lua scripts and MULTI blocks rely on.
 *
 * A JS string with a lone surrogate encodes to U+FFFD's bytes; single-key requests can never carry
 * one (Miniflare answers 400), only bulk get can name one, and it reads the U+FFFD key, as in Miniflare.
 */
export interface KvNamespaceKeys {
  readonly index: Buffer;
  /** Expiring keys by expiration, so writes can purge expired index entries nobody lists. */
  readonly expiries: Buffer;
  /** Prefix of every value record, handed to the Lua scripts. */
  readonly recordPrefix: Buffer;
  record(key: string | Buffer): Buffer;
}

export function namespaceKeys(ref: TenantRef): KvNamespaceKeys {
  if (!APP_ID.test(ref.appId)) throw new KvTenantError(`Invalid app id ${JSON.stringify(ref.appId)}`);
  if (!RESOURCE_ID.test(ref.resourceId)) {
    throw new KvTenantError(`Invalid KV namespace id ${JSON.stringify(ref.resourceId)}`);
  }
  const base = `kv:{${ref.appId}/${ref.resourceId}}:`;
  const recordPrefix = Buffer.from(`${base}v:`, 'utf8');
  return {
    index: Buffer.from(`${base}i`, 'utf8'),
    expiries: Buffer.from(`${base}x`, 'utf8'),
    recordPrefix,
    record: (key) => Buffer.concat([recordPrefix, typeof key === 'string' ? keyBytes(key) : key]),
  };
}

export function keyBytes(key: string): Buffer {
  return Buffer.from(key, 'utf8');
}
