import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from '@kiln/config';
import type { BlobDriverConfig } from '../r2/index.js';
import { s3BlobConfig } from '../r2/s3-endpoint.js';
import { type StorageConfig, storageEnv } from './config.js';

/** The blob driver the storage variables select; S3 needs its endpoint and keys. */
export function blobConfig(config: StorageConfig): BlobDriverConfig {
  if (config.BLOB_DRIVER === 'fs') {
    return { kind: 'fs', root: isAbsolute(config.BLOB_FS_ROOT) ? config.BLOB_FS_ROOT : resolve(config.BLOB_FS_ROOT) };
  }
  const missing = (['S3_ENDPOINT', 'S3_ACCESS_KEY', 'S3_SECRET_KEY'] as const).filter((name) => !config[name]);
  if (missing.length > 0) {
    throw new ConfigError(
      storageEnv.service,
      missing.map((variable) => ({ variable, message: 'is required when BLOB_DRIVER=s3' })),
    );
  }
  return s3BlobConfig({
    endpoint: config.S3_ENDPOINT ?? '',
    accessKey: config.S3_ACCESS_KEY ?? '',
    secretKey: config.S3_SECRET_KEY ?? '',
    bucket: config.S3_BUCKET,
    region: config.S3_REGION,
  });
}
