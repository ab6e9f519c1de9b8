import { defineEnv, envHost, envLogLevel, envPort, envPositiveInt, envUrl } from '@kiln/config';
import { z } from 'zod';

/** Where binding data lives; shared by the gateway and the export command. */
const STORAGE_VARS = {
  DATABASE_URL: {
    schema: envUrl(['postgres', 'postgresql']),
    secret: true,
    description: 'Postgres for R2 object metadata (schema `kiln_r2`).',
  },
  REDIS_URL: { schema: envUrl(['redis', 'rediss']), secret: true, description: 'Redis that holds KV namespaces.' },
  BLOB_DRIVER: {
    schema: z.enum(['fs', 's3'], { message: 'must be fs or s3' }),
    default: 'fs',
    description: 'Where R2 object bytes live: `fs` (a directory, for one machine) or `s3` (MinIO or any S3 store).',
  },
  BLOB_FS_ROOT: {
    schema: z.string().min(1),
    default: '.kiln/blobs',
    description: 'Directory of the `fs` blob driver.',
  },
  S3_ENDPOINT: {
    schema: envUrl(['http', 'https']),
    optional: true,
    description: 'S3 endpoint for the `s3` driver, e.g. `http://minio:9000`.',
  },
  S3_ACCESS_KEY: { schema: z.string().min(1), optional: true, secret: true, description: 'S3 access key.' },
  S3_SECRET_KEY: { schema: z.string().min(1), optional: true, secret: true, description: 'S3 secret key.' },
  S3_BUCKET: {
    schema: z.string().min(3),
    default: 'kiln-r2',
    description: 'S3 bucket that holds every app’s R2 bytes.',
  },
  S3_REGION: { schema: z.string().min(1), default: 'us-east-1', description: 'S3 region.' },
};

export const storageEnv = defineEnv('Storage (`npm run export`)', STORAGE_VARS);
export type StorageConfig = ReturnType<typeof storageEnv.parse>;

export const gatewayEnv = defineEnv('Binding gateway (libs/storage, `npm run gateway`)', {
  GATEWAY_HOST: { schema: envHost, default: '127.0.0.1', description: 'Address the gateway listens on.' },
  GATEWAY_PORT: { schema: envPort, default: '8787', description: 'TCP port of the gateway.' },
  GATEWAY_SECRET: {
    schema: z.string().min(32, 'must be at least 32 characters'),
    secret: true,
    description: 'Key that signs per-app gateway tokens (HMAC-SHA256). Changing it revokes every token.',
  },
  ...STORAGE_VARS,
  GATEWAY_REQUEST_TIMEOUT_MS: {
    schema: envPositiveInt,
    default: '300000',
    description: 'Longest time one binding call may take to arrive (large R2 uploads need minutes).',
  },
  LOG_LEVEL: { schema: envLogLevel, default: 'info', description: 'Lowest pino log level written.' },
});

export type GatewayConfig = ReturnType<typeof gatewayEnv.parse>;
