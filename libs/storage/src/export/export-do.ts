import { createHash, createHmac } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import type { BlobDriver } from '../r2/blob-driver.js';
import { assertValidSnapshot } from '../do/do-snapshot.js';
import type { DoVersionIndex } from '../do/do-version-index.js';
import { readDoDump } from './do-dump.js';
import { replaySnippet } from './do-replay-snippet.js';

export interface DoManifestEntry {
  /** `<worker>-<Class>`, the directory Kiln keeps the class's objects in. */
  namespace: string;
  className: string;
  /** Kiln's (Miniflare's) 64-hex id; Cloudflare ids differ. */
  objectId: string;
  /** The name behind `idFromName`, when one of `names` produced this id; else null. */
  name: string | null;
  version: number;
  /** The object's SQLite file (latest stored version, checkpointed) and its dump for the replay. */
  file: string;
  dump: string;
  rows: Record<string, number>;
  kvKeys: number;
  alarm: string | null;
}

export interface ExportDurableObjectsOptions {
  /** Candidate names for `idFromName`: Kiln stores only ids; a name is found by recomputing its id. */
  names?: readonly string[];
  /** Class -> binding name for the replay Worker; a class not listed keeps its own name. */
  bindings?: Readonly<Record<string, string>>;
}

/**
 * Miniflare's id for `idFromName(name)` in namespace `uniqueKey` (shared/notes/remote-bindings.md
 * §9, checked against workerd): `k = sha256(uniqueKey)`, `a = HMAC(k, name)[0..16)`,
 * `b = HMAC(k, a)[0..16)`, id = hex(a ‖ b). Cloudflare's ids for the same name are different
 * (account-keyed), which is why the replay addresses objects by name.
 */
export function miniflareObjectId(uniqueKey: string, name: string): string {
  const key = createHash('sha256').update(uniqueKey).digest();
  const a = createHmac('sha256', key).update(name).digest().subarray(0, 16);
  const b = createHmac('sha256', key).update(a).digest().subarray(0, 16);
  return Buffer.concat([a, b]).toString('hex');
}

const quoteShell = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Writes an app's Durable Object state to `dir`, from the store (latest version of each object):
 * `objects/<namespace>/<objectId>.sqlite` (the database as Kiln ran it, workerd's `_cf_*` tables
 * included), `objects/<namespace>/<objectId>.json` (the app's tables, KV-API entries and alarm, as
 * the replay takes them), `manifest.json`, `kiln-replay.js` (the replay code for the app's Worker)
 * and `replay.sh` (one POST per object). The class alarm databases (`metadata`) are not exported:
 * each object's alarm is in its own file.
 */
export async function exportDurableObjects(
  source: { index: DoVersionIndex; blobs: BlobDriver },
  appId: string,
  dir: string,
  options: ExportDurableObjectsOptions = {},
): Promise<DoManifestEntry[]> {
  const stored = [...(await source.index.list(appId))].sort(([a], [b]) => a.localeCompare(b));
  const manifest: DoManifestEntry[] = [];
  for (const [key, entry] of stored) {
    const [namespace = '', objectId = ''] = key.split('/');
    if (objectId === 'metadata' || !/^[A-Za-z0-9_-]+$/.test(namespace) || !/^[0-9a-f]{64}$/.test(objectId)) continue;
    const bytes = await buffer(await source.blobs.get(entry.blob));
    await assertValidSnapshot(bytes, `durable object ${key} version ${entry.version}`);
    await mkdir(join(dir, 'objects', namespace), { recursive: true });
    const file = `objects/${namespace}/${objectId}.sqlite`;
    await writeFile(join(dir, file), bytes);
    const dump = readDoDump(join(dir, file));
    const dumpFile = `objects/${namespace}/${objectId}.json`;
    await writeFile(join(dir, dumpFile), JSON.stringify(dump));
    manifest.push({
      namespace,
      className: namespace.slice(namespace.lastIndexOf('-') + 1),
      objectId,
      name: options.names?.find((n) => miniflareObjectId(namespace, n) === objectId) ?? null,
      version: entry.version,
      file,
      dump: dumpFile,
      rows: Object.fromEntries(dump.tables.map((t) => [t.name, t.rows.length])),
      kvKeys: dump.kv.length,
      alarm: dump.alarm === null ? null : new Date(dump.alarm).toISOString(),
    });
  }
  const classes = [...new Set(manifest.map((m) => m.className))].sort();
  const bindings = Object.fromEntries(classes.map((c) => [c, options.bindings?.[c] ?? c]));
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(join(dir, 'kiln-replay.js'), replaySnippet(appId, bindings));
  await writeFile(join(dir, 'replay.sh'), replayScript(appId, manifest), { mode: 0o755 });
  return manifest;
}

function replayScript(appId: string, manifest: DoManifestEntry[]): string {
  const lines = manifest.map((m) => {
    const query = m.name === null ? '' : `?name=${encodeURIComponent(m.name)}`;
    const post = `post ${quoteShell(`${m.className}${query}`)} ${quoteShell(m.dump)}`;
    return m.name === null
      ? `# ${m.namespace}/${m.objectId} has no known name (created with newUniqueId, or a name not given\n# with --names). Uncomment to replay it into a new unique id, then update what stored the old id:\n# ${post}`
      : post;
  });
  return `#!/usr/bin/env bash
# Replays Kiln app ${appId}'s Durable Objects into the Worker deployed with kiln-replay.js.
# KILN_REPLAY_URL=https://<worker>.<account>.workers.dev KILN_REPLAY_TOKEN=... ./replay.sh
set -euo pipefail
cd "$(dirname "$0")"
: "\${KILN_REPLAY_URL:?}" "\${KILN_REPLAY_TOKEN:?}"
post() {
  curl --fail-with-body -sS -X POST "$KILN_REPLAY_URL/__kiln/replay/$1" \\
    -H "authorization: Bearer $KILN_REPLAY_TOKEN" -H 'content-type: application/json' --data-binary "@$2"
  echo
}
${lines.join('\n')}
`;
}
