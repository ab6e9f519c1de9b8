// An S3 server process for tests (production uses MinIO). Usage: node s3-server.mjs <dir> <bucket>
// Prints "ready <port>" once listening. s3rver removes empty directories after deletes and races
// with itself when deletes run concurrently (ENOENT thrown from its file store); those errors
// only affect the request that hit them (the client retries), so the process logs and survives.
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
process.on('uncaughtException', (err) => process.stderr.write(`s3rver internal error (ignored): ${err.message}\n`));
const server = new S3rver({
  port: 0,
  address: '127.0.0.1',
  silent: true,
  directory,
  configureBuckets: [{ name: bucket, configs: [] }],
});
const { port } = await server.run();
process.stdout.write(`ready ${port}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
