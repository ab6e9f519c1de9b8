import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError } from '@kiln/config';
import { Redis } from 'ioredis';
import pg from 'pg';
import { blobConfig } from '../gateway/blob-config.js';
import { storageEnv } from '../gateway/config.js';
import { APP_ID, RESOURCE_ID } from '../gateway/wire.js';
import { KvService } from '../kv/index.js';
import { R2Service, createBlobDriver } from '../r2/index.js';
import { exportR2Bucket } from './export-r2.js';

const USAGE = `usage:
  npm run export -- kv --app <appId> --namespace <id> [--out file.json]   # JSON for \`wrangler kv bulk put\`
  npm run export -- r2 --app <appId> --bucket <name> --out <dir>          # files + manifest.json + upload.sh`;

/** Moves an app's data toward Cloudflare: reads the same configuration as the gateway. */
async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      app: { type: 'string' },
      namespace: { type: 'string' },
      bucket: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const kind = positionals[0];
  const appId = values.app ?? '';
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
