import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { TenantRef } from '../gateway/wire.js';
import type { R2Service } from '../r2/index.js';

export interface R2ManifestEntry {
  key: string;
  /** File under `objects/` holding the bytes (numbered: object keys are not safe file names). */
  file: string;
  size: number;
  etag: string;
  uploaded: string;
  httpMetadata: Record<string, string>;
  customMetadata: Record<string, string>;
  storageClass: string;
}

const HTTP_FLAGS: Record<string, string> = {
  contentType: '--content-type',
  contentLanguage: '--content-language',
  contentDisposition: '--content-disposition',
  contentEncoding: '--content-encoding',
  cacheControl: '--cache-control',
};

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Copies every object of an app's bucket to `dir`: `objects/<n>` (bytes), `manifest.json` (key and
 * R2 metadata per object) and `upload.sh`, which puts them into a Cloudflare R2 bucket with
 * wrangler. Custom metadata has no wrangler flag; it stays in the manifest for an API-based copy.
 */
export async function exportR2Bucket(
  r2: R2Service,
  ref: TenantRef,
  dir: string,
  targetBucket = ref.resourceId,
): Promise<R2ManifestEntry[]> {
  await mkdir(join(dir, 'objects'), { recursive: true });
  const manifest: R2ManifestEntry[] = [];
  for await (const object of r2.exportBucket(ref)) {
    const file = `objects/${manifest.length}`;
    await pipeline(await object.body(), createWriteStream(join(dir, file)));
    const d = object.descriptor;
    const httpMetadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.httpFields ?? {})) if (v !== undefined) httpMetadata[k] = String(v);
    manifest.push({
      key: object.key,
      file,
      size: d.size,
      etag: d.etag,
      uploaded: new Date(d.uploaded).toISOString(),
      httpMetadata,
      customMetadata: Object.fromEntries(d.customFields.map((f) => [f.k, f.v])),
      storageClass: d.storageClass,
    });
  }
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const lines = manifest.map((m) => {
    const flags = Object.entries(m.httpMetadata)
      .filter(([k]) => k in HTTP_FLAGS)
      .map(([k, v]) => `${HTTP_FLAGS[k]} ${shellQuote(v)}`);
    return [
      'npx wrangler r2 object put',
      shellQuote(`${targetBucket}/${m.key}`),
      '--remote',
      '--file',
      shellQuote(m.file),
      ...flags,
    ].join(' ');
  });
  await writeFile(
    join(dir, 'upload.sh'),
    `#!/usr/bin/env bash\n# Uploads this export to Cloudflare R2 bucket ${targetBucket}.\nset -euo pipefail\ncd "$(dirname "$0")"\n${lines.join('\n')}\n`,
    {
      mode: 0o755,
    },
  );
  return manifest;
}
