import { isUtf8 } from 'node:buffer';
import type { KvListEntry } from './kv-list.js';

/** One element of the JSON file `wrangler kv bulk put` reads. */
export interface KvExportEntry {
  key: string;
  value: string;
  base64?: boolean;
  expiration?: number;
  metadata?: unknown;
}

/**
 * Text values stay readable in the dump; anything that is not valid UTF-8 would be mangled by a
 * text round trip, so it goes out as base64, which wrangler decodes back to the exact bytes.
 */
export function toExportEntry(entry: KvListEntry, value: Buffer): KvExportEntry {
  const out: KvExportEntry = isUtf8(value)
    ? { key: entry.key.toString('utf8'), value: value.toString('utf8') }
    : { key: entry.key.toString('utf8'), value: value.toString('base64'), base64: true };
  if (entry.expiration !== undefined) out.expiration = entry.expiration;
  if (entry.metadata !== undefined) out.metadata = JSON.parse(entry.metadata) as unknown;
  return out;
}
