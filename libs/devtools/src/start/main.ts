import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { isAbsolute, join } from 'node:path';
import { ConfigError } from '@kiln/config';
import { repoRoot } from '../paths.js';
import { startBackingServices } from '../services/backing-services.js';
import { type Child, startChild, waitFor } from '../services/child.js';
import { launcherEnv } from './config.js';
import { formatLogLine } from './log-line.js';

const require = createRequire(import.meta.url);

function out(source: string, line: string): void {
  process.stdout.write(`${source.padEnd(8)}| ${formatLogLine(line)}\n`);
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return res.ok;
}

async function main(): Promise<void> {
  const config = launcherEnv.parse();
  const home = isAbsolute(config.KILN_HOME) ? config.KILN_HOME : join(repoRoot, config.KILN_HOME);
  const children: Child[] = [];
  let stopping = false;

  out('kiln', 'starting backing services…');
  const services = await startBackingServices({
    databaseUrl: config.DATABASE_URL,
    redisUrl: config.REDIS_URL,
    home,
    postgresPort: config.KILN_POSTGRES_PORT,
    redisPort: config.KILN_REDIS_PORT,
    database: 'kiln',
    log: (service, line) => out(service, line),
  });

  const shutdown = async (reason: string, exitCode: number) => {
    if (stopping) {
      out('kiln', 'still stopping (services are saving their data)…');
      return;
    }
    stopping = true;
    out('kiln', `${reason}: stopping…`);
    // Front to back: nothing serves requests once its dependencies are gone.
    for (const child of [...children].reverse()) {
      await child.stop('SIGTERM', 15_000);
      out('kiln', `${child.name} stopped`);
    }
    await services.stop();
    out('kiln', 'all stopped, data is saved');
    process.exit(exitCode);
  };
  // `on`, not `once`: a second Ctrl-C must not kill the supervisor while databases are saving.
  process.on('SIGINT', () => void shutdown('Ctrl-C', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));

  const launch: Launch = async (name, args, env, cwd, readyUrl) => {
    const child = startChild(name, process.execPath, args, { cwd, env, onLine: (line) => out(name, line) });
    children.push(child);
    void child.exited.then(({ code, signal }) => {
      if (!stopping) void shutdown(`${name} exited unexpectedly (code ${String(code)}, signal ${String(signal)})`, 1);
    });
    await waitFor(name, () => httpOk(readyUrl), { timeoutMs: 120_000, child });
  };

  try {
    await startApps(config, services, launch, home);
  } catch (err) {
    out('kiln', `start-up failed: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown('start-up failed', 1);
  }
}

type Launch = (name: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, readyUrl: string) => Promise<void>;

async function startApps(
  config: ReturnType<typeof launcherEnv.parse>,
  services: { databaseUrl: string; redisUrl: string; summary: string[] },
  launch: Launch,
  home: string,
): Promise<void> {
  const host = config.KILN_HOST;
  const baseEnv = { ...process.env, NODE_ENV: process.env['NODE_ENV'] ?? 'production' };
  const apiUrl = `http://${host}:${config.API_PORT}`;
  const runnerUrl = `http://${host}:${config.RUNNER_PORT}`;
  const templatesDir = join(repoRoot, 'templates');
  const secrets = {
    gatewaySecret: await secret(home, 'gateway-secret'),
    runnerToken: await secret(home, 'runner-token'),
  };
  await launch(
    'api',
    [join(repoRoot, 'apps/api/dist/main.js')],
    {
      ...baseEnv,
      API_HOST: host,
      API_PORT: String(config.API_PORT),
      DATABASE_URL: services.databaseUrl,
      REDIS_URL: services.redisUrl,
      // The agent: previews on this runner, bindings on this gateway; the model comes from
      // AGENT_MODEL_BASE_URL / AGENT_MODEL in the caller's environment.
      RUNNER_URL: runnerUrl,
      RUNNER_TOKEN: secrets.runnerToken,
      GATEWAY_SECRET: secrets.gatewaySecret,
      TEMPLATES_DIR: templatesDir,
    },
    join(repoRoot, 'apps/api'),
    `${apiUrl}/healthz`,
  );

  const gatewayUrl = `http://${host}:${config.GATEWAY_PORT}`;
  await launch(
    'gateway',
    [join(repoRoot, 'libs/storage/dist/gateway/main.js')],
    {
      ...baseEnv,
      // Previews reach the gateway from their Docker networks, not through loopback.
      GATEWAY_HOST: config.KILN_GATEWAY_HOST,
      GATEWAY_PORT: String(config.GATEWAY_PORT),
      GATEWAY_SECRET: secrets.gatewaySecret,
      DATABASE_URL: services.databaseUrl,
      REDIS_URL: services.redisUrl,
      BLOB_DRIVER: 'fs',
      BLOB_FS_ROOT: join(home, 'blobs'),
    },
    join(repoRoot, 'libs/storage'),
    `${gatewayUrl}/healthz`,
  );

  const runnerMain = join(repoRoot, 'apps/sandbox-runner/dist/main.js');
  if (existsSync(runnerMain)) {
    await launch(
      'runner',
      [runnerMain],
      {
        ...baseEnv,
        RUNNER_HOST: host,
        RUNNER_PORT: String(config.RUNNER_PORT),
        RUNNER_TOKEN: secrets.runnerToken,
        GATEWAY_URL: `http://kiln-gateway:${config.GATEWAY_PORT}`,
        TEMPLATES_DIR: templatesDir,
      },
      join(repoRoot, 'apps/sandbox-runner'),
      `${runnerUrl}/healthz`,
    );
  }

  const webUrl = `http://${host}:${config.WEB_PORT}`;
  await launch(
    'web',
    [
      require.resolve('next/dist/bin/next', { paths: [join(repoRoot, 'apps/web')] }),
      'start',
      '-H',
      host,
      '-p',
      String(config.WEB_PORT),
    ],
    { ...baseEnv, KILN_API_URL: apiUrl },
    join(repoRoot, 'apps/web'),
    webUrl,
  );

  const banner = [
    '',
    'Kiln is running.',
    `  Open       ${webUrl}`,
    `  API        ${apiUrl}   (readiness: ${apiUrl}/readyz, metrics: ${apiUrl}/metrics)`,
    `  Gateway    ${gatewayUrl}   (KV/R2 bindings for apps)`,
    ...(existsSync(runnerMain) ? [`  Runner     ${runnerUrl}`] : []),
    ...services.summary.map((s) => `  ${s}`),
    '  Ctrl-C stops everything started here.',
    '',
  ];
  process.stdout.write(`${banner.join('\n')}\n`);
}

main().catch((err: unknown) => {
  const text = err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err);
  process.stderr.write(`kiln: ${text}\n`);
  process.exit(1);
});

/**
 * A secret made once per KILN_HOME (the gateway's signing secret, the runner's service token), so
 * app tokens and running previews stay valid across restarts.
 */
async function secret(home: string, name: string): Promise<string> {
  const file = join(home, name);
  const existing = await readFile(file, 'utf8').catch(() => '');
  if (existing.trim().length >= 32) return existing.trim();
  const secret = randomBytes(32).toString('hex');
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}
