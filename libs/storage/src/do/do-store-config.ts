import { resolve } from 'node:path';
import { ConfigError, type EnvProblem, type EnvValues, envUrl } from '@kiln/config';
import { z } from 'zod';
import type { BlobDriverConfig } from '../r2/create-blob-driver.js';
import { s3BlobConfig } from '../r2/s3-endpoint.js';

/**
 * Where Durable Object snapshots live: the runtime (libs/runtime config.ts) and
 * `npm run export -- do` read the same variables, so the export finds what the runtime wrote.
 */
export const DO_STORE_VARS = {
  RUNTIME_DO_BLOB_DRIVER: {
    schema: z.enum(['fs', 's3'], { message: 'must be fs or s3' }),
    default: 'fs',
    description:
      'Where Durable Object snapshots are uploaded when RUNTIME_DO_SYNC is on: `fs` (RUNTIME_DO_BLOB_FS_ROOT, one machine) or `s3` (MinIO or any S3 store, RUNTIME_DO_S3_*).',
  },
  RUNTIME_DO_BLOB_FS_ROOT: {
    schema: z.string().min(1),
    optional: true,
    description: 'Blob directory of the `fs` driver; required when RUNTIME_DO_BLOB_DRIVER is fs and sync is on.',
  },
  RUNTIME_DO_S3_ENDPOINT: {
    schema: envUrl(['http', 'https']),
    optional: true,
    description:
      'S3 endpoint of the `s3` driver, e.g. `http://minio:9000`; required when RUNTIME_DO_BLOB_DRIVER is s3.',
  },
  RUNTIME_DO_S3_ACCESS_KEY: {
    schema: z.string().min(1),
    optional: true,
    secret: true,
    description: 'S3 access key for Durable Object snapshots; required with the `s3` driver.',
  },
  RUNTIME_DO_S3_SECRET_KEY: {
    schema: z.string().min(1),
    optional: true,
    secret: true,
    description: 'S3 secret key for Durable Object snapshots; required with the `s3` driver.',
  },
  RUNTIME_DO_S3_BUCKET: {
    schema: z.string().min(3),
    default: 'kiln-do',
    description: 'Existing S3 bucket for Durable Object snapshots (keys `do/<appId>/<worker>-<Class>/<objectId>/…`).',
  },
  RUNTIME_DO_S3_REGION: { schema: z.string().min(1), default: 'us-east-1', description: 'S3 region of that bucket.' },
};

export type DoStoreConfig = EnvValues<typeof DO_STORE_VARS>;

/** The variables the selected driver needs but that are unset. */
export function doStoreProblems(config: DoStoreConfig): EnvProblem[] {
  const required =
    config.RUNTIME_DO_BLOB_DRIVER === 'fs'
      ? (['RUNTIME_DO_BLOB_FS_ROOT'] as const)
      : (['RUNTIME_DO_S3_ENDPOINT', 'RUNTIME_DO_S3_ACCESS_KEY', 'RUNTIME_DO_S3_SECRET_KEY'] as const);
  return required
    .filter((name) => !config[name])
    .map((variable) => ({
      variable,
      message: `is required when RUNTIME_DO_BLOB_DRIVER=${config.RUNTIME_DO_BLOB_DRIVER}`,
    }));
}

/** The blob driver the variables select; throws a ConfigError naming every missing one. */
export function doBlobDriverConfig(config: DoStoreConfig, service: string): BlobDriverConfig {
  const problems = doStoreProblems(config);
  if (problems.length > 0) throw new ConfigError(service, problems);
  if (config.RUNTIME_DO_BLOB_DRIVER === 'fs')
    return { kind: 'fs', root: resolve(config.RUNTIME_DO_BLOB_FS_ROOT ?? '') };
  return s3BlobConfig({
    endpoint: config.RUNTIME_DO_S3_ENDPOINT ?? '',
    accessKey: config.RUNTIME_DO_S3_ACCESS_KEY ?? '',
    secretKey: config.RUNTIME_DO_S3_SECRET_KEY ?? '',
    bucket: config.RUNTIME_DO_S3_BUCKET,
    region: config.RUNTIME_DO_S3_REGION,
  });
}
