import type { BlobDriverConfig } from './create-blob-driver.js';

/**
 * The S3 blob driver's settings from an endpoint URL (`http(s)://host[:port]`) and its keys.
 * Kept free of the driver itself, so light entry points (the runtime's config) can use it.
 */
export function s3BlobConfig(s3: {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region: string | undefined;
}): BlobDriverConfig {
  const url = new URL(s3.endpoint);
  return {
    kind: 's3',
    endPoint: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    useSSL: url.protocol === 'https:',
    accessKey: s3.accessKey,
    secretKey: s3.secretKey,
    bucket: s3.bucket,
    ...(s3.region ? { region: s3.region } : {}),
  };
}
