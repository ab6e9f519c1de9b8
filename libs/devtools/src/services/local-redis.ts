import { execFile } from 'node:child_process';
import { chmod, mkdir } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { promisify } from 'node:util';
import { type Child, startChild, waitFor } from './child.js';

export class RedisNotFoundError extends Error {
  constructor() {
    super(
      'No Redis available: REDIS_URL is unset and no redis-server is on PATH.\n' +
        '  Either point Kiln at a Redis 7:   REDIS_URL=redis://host:6379/0 npm start\n' +
        '  or install one locally:           apt-get install redis-server   (Debian/Ubuntu)\n' +
        '                                     brew install redis             (macOS)',
    );
    this.name = 'RedisNotFoundError';
  }
}

export interface LocalRedis {
  url: string;
  child: Child;
  /** SIGTERM makes redis-server flush its append-only file and exit cleanly. */
  stop(): Promise<void>;
}

async function redisServerPath(): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('sh', ['-c', 'command -v redis-server']);
    return stdout.trim();
  } catch {
    throw new RedisNotFoundError();
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.setTimeout(1000, () => socket.destroy());
    socket.once('data', (data) => {
      resolve(data.toString().startsWith('+PONG'));
      socket.destroy();
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

/** Starts the redis-server found on PATH with its data (append-only file) in `dir`. */
export async function startLocalRedis(options: {
  dir: string;
  port: number;
  log: (line: string) => void;
}): Promise<LocalRedis> {
  const bin = await redisServerPath();
  await mkdir(options.dir, { recursive: true });
  await chmod(options.dir, 0o700);
  const child = startChild(
    'redis',
    bin,
    [
      '--port',
      String(options.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      options.dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
    ],
    { onLine: (line) => options.log(line) },
  );
  await waitFor(`redis-server on port ${options.port}`, () => ping(options.port), { timeoutMs: 20_000, child });
  return { url: `redis://127.0.0.1:${options.port}/0`, child, stop: () => child.stop('SIGTERM', 20_000) };
}
