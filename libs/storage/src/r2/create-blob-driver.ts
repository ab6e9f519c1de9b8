import type { BlobDriver } from './blob-driver.js';
import { FsBlobDriver } from './fs-blob-driver.js';
import { S3BlobDriver, type S3BlobDriverConfig } from './s3-blob-driver.js';

/** `fs` for the embedded single-machine mode, `s3` (MinIO) in production. */
export type BlobDriverConfig = { kind: 'fs'; root: string } | ({ kind: 's3' } & S3BlobDriverConfig);

export function createBlobDriver(config: BlobDriverConfig): BlobDriver {
  switch (config.kind) {
    case 'fs':
      return new FsBlobDriver(config.root);
    case 's3': {
      const { kind: _kind, ...s3 } = config;
      return new S3BlobDriver(s3);
    }
  }
}
