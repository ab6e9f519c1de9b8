import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { startLocalRedis } from './local-redis.js';
import { freePort, isPortFree } from './ports.js';

export interface BackingServices {
  databaseUrl: string;
  redisUrl: string;
  /** One line per service: where it is and whether Kiln started it. */
  summary: string[];
  /** Stops only what was started here, Redis first, then Postgres. */
  stop(): Promise<void>;
}

export interface BackingServicesOptions {
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** Where embedded services keep their data (`<home>/postgres`, `<home>/redis`). */
  home: string;
  postgresPort: number;
  redisPort: number;
  database: string;
  log: (service: 'postgres' | 'redis', line: string) => void;
}

async function requireFreePort(port: number, service: string, variable: string): Promise<void> {
  if (!(await isPortFree(port))) {
    throw new Error(
      `${service}: port ${port} is already in use (another Kiln still running?). Stop it, or set ${variable}.`,
    );
  }
}

/** Uses DATABASE_URL / REDIS_URL when given, else starts an embedded Postgres and a local redis-server. */
export async function startBackingServices(options: BackingServicesOptions): Promise<BackingServices> {
  const stops: Array<() => Promise<void>> = [];
  const summary: string[] = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch(() => undefined);
  };
  try {
    let databaseUrl = options.databaseUrl;
    if (databaseUrl) {
      summary.push(`postgres  DATABASE_URL (${new URL(databaseUrl).host})`);
    } else {
      await requireFreePort(options.postgresPort, 'embedded Postgres', 'KILN_POSTGRES_PORT');
      const dir = join(options.home, 'postgres');
      const pg = await startEmbeddedPostgres({
        dir,
        port: options.postgresPort,
        database: options.database,
        log: (l) => options.log('postgres', l),
      });
      stops.push(() => pg.stop());
      databaseUrl = pg.url;
      summary.push(`postgres  embedded, 127.0.0.1:${options.postgresPort}, data in ${dir}`);
    }

    let redisUrl = options.redisUrl;
    if (redisUrl) {
      summary.push(`redis     REDIS_URL (${new URL(redisUrl).host})`);
    } else {
      await requireFreePort(options.redisPort, 'local redis-server', 'KILN_REDIS_PORT');
      const dir = join(options.home, 'redis');
      const redis = await startLocalRedis({ dir, port: options.redisPort, log: (l) => options.log('redis', l) });
      stops.push(() => redis.stop());
      redisUrl = redis.url;
      summary.push(`redis     local redis-server, 127.0.0.1:${options.redisPort}, data in ${dir}`);
    }
    return { databaseUrl, redisUrl, summary, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Postgres and Redis for a throw-away run (tests, benchmarks): DATABASE_URL / REDIS_URL when set,
 * else embedded ones on free ports with their data in `scratch`, which embedded Postgres (run as
 * the postgres user when we are root) must be able to enter.
 */
export async function startScratchServices(scratch: string, database: string): Promise<BackingServices> {
  await chmod(scratch, 0o755);
  return startBackingServices({
    databaseUrl: process.env['DATABASE_URL'] || undefined,
    redisUrl: process.env['REDIS_URL'] || undefined,
    home: scratch,
    postgresPort: await freePort(),
    redisPort: await freePort(),
    database,
    log: () => undefined,
  });
}
