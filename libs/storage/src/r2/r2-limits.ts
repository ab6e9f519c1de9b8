import { entityTooLarge, invalidArgument, invalidMaxKeys, invalidObjectName, metadataTooLarge } from './r2-errors.js';

/** R2's limits (https://developers.cloudflare.com/r2/platform/limits/), as Miniflare enforces them. */
export const R2Limits = {
  MAX_KEY_BYTES: 1024,
  /** 5 GiB - 5 MiB: R2's single-request upload limit. */
  MAX_VALUE_SIZE: 5 * 1024 ** 3 - 5 * 1024 ** 2,
  MAX_METADATA_BYTES: 2048,
  MAX_LIST_KEYS: 1000,
  /** Miniflare lowers the page size when metadata is requested; R2 documents the same. */
  MAX_LIST_KEYS_WITH_METADATA: 100,
  MAX_DELETE_KEYS: 1000,
  MIN_PART_SIZE: 5 * 1024 * 1024,
  MAX_PART_NUMBER: 10000,
} as const;

/**
 * Miniflare accepts `""` but real R2 does not, so neither do we. Lone UTF-16 surrogates cannot be
 * stored as UTF-8 (two different keys would collapse into one U+FFFD), so they are refused too.
 */
export function checkKey(key: string): void {
  if (key === '' || !key.isWellFormed() || Buffer.byteLength(key) > R2Limits.MAX_KEY_BYTES) throw invalidObjectName();
}

export function checkValueSize(size: number): void {
  if (size > R2Limits.MAX_VALUE_SIZE) throw entityTooLarge();
}

/**
 * R2 counts customMetadata as the UTF-8 bytes of every key and value. (Miniflare counts UTF-16
 * code units, doubled when a string has a non-Latin-1 character; that only differs for non-ASCII
 * metadata, where we follow R2 so an app that passes here also passes on Cloudflare.)
 */
export function checkCustomMetadata(entries: ReadonlyArray<readonly [string, string]>): void {
  let bytes = 0;
  for (const [k, v] of entries) bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
  if (bytes > R2Limits.MAX_METADATA_BYTES) throw metadataTooLarge();
}

export function checkListLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > R2Limits.MAX_LIST_KEYS) throw invalidMaxKeys();
}

/** The client sends any number of keys; real R2 refuses more than 1000 in one call. */
export function checkDeleteCount(count: number): void {
  if (count > R2Limits.MAX_DELETE_KEYS)
    throw invalidArgument(
      `Too many keys: a delete may name at most ${R2Limits.MAX_DELETE_KEYS} objects, got ${count}.`,
    );
}

export function checkPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > R2Limits.MAX_PART_NUMBER)
    throw invalidArgument(`Part number must be an integer between 1 and ${R2Limits.MAX_PART_NUMBER}.`);
}
