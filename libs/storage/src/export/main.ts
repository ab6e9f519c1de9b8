import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, defineEnv, envUrl } from '@kiln/config';
import { Redis } from 'ioredis';
import pg from 'pg';
import { blobConfig } from '../gateway/blob-config.js';
import { storageEnv } from '../gateway/config.js';
import { APP_ID, RESOURCE_ID } from '../gateway/wire.js';
import { KvService } from '../kv/index.js';
import { R2Service, createBlobDriver } from '../r2/index.js';
import { DO_STORE_VARS, doBlobDriverConfig } from '../do/do-store-config.js';
import { DoVersionIndex } from '../do/do-version-index.js';
import { exportDurableObjects } from './export-do.js';
import { exportR2Bucket } from './export-r2.js';

/** The runtime's Durable Object store (same variables as libs/runtime), for `do`. */
const doExportEnv = defineEnv('Durable Object export (`npm run export -- do`)', {
  REDIS_URL: {
    schema: envUrl(['redis', 'rediss']),
    secret: true,
    description: 'Redis with the Durable Object version index.',
  },
  ...DO_STORE_VARS,
});

const USAGE = `usage:
  npm run export -- kv --app <appId> --namespace <id> [--out file.json]   # JSON for \`wrangler kv bulk put\`
  npm run export -- r2 --app <appId> --bucket <name> --out <dir>          # files + manifest.json + upload.sh
  npm run export -- do --app <appId> --out <dir> [--names names.txt] [--binding Class=BINDING]...
                                          # SQLite file + dump per object, kiln-replay.js, replay.sh`;

/** Moves an app's data toward Cloudflare: reads the same configuration as the gateway. */
async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      app: { type: 'string' },
      namespace: { type: 'string' },
      bucket: { type: 'string' },
      out: { type: 'string' },
      names: { type: 'string' },
      binding: { type: 'string', multiple: true },
    },
  });
  const kind = positionals[0];
  const appId = values.app ?? '';
  if (kind === 'do') {
    const bindings = (values.binding ?? []).map((b) => /^([A-Za-z_$][\w$]*)=([A-Za-z_$][\w$]*)$/.exec(b));
    if (!APP_ID.test(appId) || !values.out || bindings.some((b) => !b)) throw new UsageError(USAGE);
    await exportDo(appId, values.out, {
      names: values.names ? (await readFile(values.names, 'utf8')).split(/\r?\n/).filter((n) => n !== '') : [],
      bindings: Object.fromEntries(bindings.map((b) => [b?.[1] ?? '', b?.[2] ?? ''])),
    });
    return;
  }
  const resourceId = (kind === 'kv' ? values.namespace : values.bucket) ?? '';
  if (
    (kind !== 'kv' && kind !== 'r2') ||
    !APP_ID.test(appId) ||
    !RESOURCE_ID.test(resourceId) ||
    (kind === 'r2' && !values.out)
  ) {
    throw new UsageError(USAGE);
  }
  const config = storageEnv.parse();
  const ref = { appId, resourceId };
  if (kind === 'kv') {
    const redis = new Redis(config.REDIS_URL);
    try {
      const json = `${JSON.stringify(await new KvService(redis).exportNamespace(ref), null, 2)}\n`;
      if (values.out) await writeFile(values.out, json);
      else process.stdout.write(json);
    } finally {
      redis.disconnect();
    }
    return;
  }
  const db = new pg.Pool({ connectionString: config.DATABASE_URL });
  try {
    const manifest = await exportR2Bucket(
      new R2Service({ db, blobs: createBlobDriver(blobConfig(config)) }),
      ref,
      values.out ?? '',
    );
    process.stderr.write(`exported ${manifest.length} objects to ${values.out ?? ''}\n`);
  } finally {
    await db.end();
  }
}

async function exportDo(
  appId: string,
  out: string,
  options: { names: string[]; bindings: Record<string, string> },
): Promise<void> {
  const config = doExportEnv.parse();
  const blobs = createBlobDriver(doBlobDriverConfig(config, doExportEnv.service));
  const { index, close } = DoVersionIndex.connect(config.REDIS_URL, (err) =>
    process.stderr.write(`redis: ${err.message}\n`),
  );
  try {
    const manifest = await exportDurableObjects({ index, blobs }, appId, out, options);
    const unnamed = manifest.filter((m) => m.name === null).length;
    process.stderr.write(
      `exported ${manifest.length} durable objects to ${out}` +
        (unnamed > 0 ? ` (${unnamed} without a known name: see replay.sh)` : '') +
        '\n',
    );
  } finally {
    close();
  }
}

class UsageError extends Error {}

main().catch((err: unknown) => {
  const text =
    err instanceof ConfigError || err instanceof UsageError
      ? err.message
      : err instanceof Error
        ? (err.stack ?? err.message)
        : String(err);
  process.stderr.write(`${text}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
