import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { freePort } from '@kiln/devtools/testing';

/**
 * Create-to-ready of preview instances through the sandbox runner (its own process, real
 * engine), against the engine's floor in the same run: `docker run` of the same runtime image
 * with the same app bind-mounted, timed until the app answers HTTP.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const IMAGE = 'kiln/runtime:dev';
const SOCKET = process.env['DOCKER_SOCKET'] ?? '/var/run/docker.sock';
const SEQUENTIAL = 10;
const CONCURRENT = 20;

const APP = {
  'wrangler.jsonc': '{ "name": "bench", "main": "src/index.js", "compatibility_date": "2025-01-01" }',
  'src/index.js': 'export default { fetch(req) { return new Response("ok " + new URL(req.url).pathname); } };',
};
const files = Object.entries(APP).map(([path, content]) => ({ path, content }));

function percentile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/', timeout: 500 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

class RunnerProcess {
  private child: ChildProcess | undefined;
  readonly token = randomBytes(24).toString('hex');
  readonly name = `kb-${randomBytes(3).toString('hex')}`;
  base = '';

  async start(): Promise<void> {
    const port = await freePort();
    this.base = `http://127.0.0.1:${port}`;
    this.child = spawn(process.execPath, [join(repoRoot, 'apps/sandbox-runner/dist/main.js')], {
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        RUNNER_TOKEN: this.token,
        RUNNER_NAME: this.name,
        RUNNER_PORT: String(port),
        MAX_INSTANCES: String(CONCURRENT + 5),
        MAX_INSTANCES_PER_USER: String(CONCURRENT + 5),
        // 20 previews on 2 cores: each may use a fraction of a core; the limit is what quotas allow.
        INSTANCE_MEMORY_MB: '256',
        INSTANCE_READY_TIMEOUT_MS: '120000',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const deadline = Date.now() + 20_000;
    while (
      !(await fetch(`${this.base}/healthz`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (Date.now() > deadline) throw new Error('the runner did not start within 20 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async call<T>(method: string, path: string, body?: object): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as { data: T; error: { message: string } | null };
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${json.error?.message}`);
    return json.data;
  }

  /** Milliseconds from the create request to its answer, which comes once the app answers HTTP. */
  async createReady(user: string): Promise<{ ms: number; id: string }> {
    const started = performance.now();
    const instance = await this.call<{ id: string; state: string }>('POST', '/instances', {
      appId: 'bench',
      userId: user,
      files,
    });
    const ms = performance.now() - started;
    if (instance.state !== 'ready') throw new Error(`instance ${instance.id} is ${instance.state}, not ready`);
    return { ms, id: instance.id };
  }

  async stop(): Promise<void> {
    this.child?.kill('SIGTERM');
    const docker = new Docker({ socketPath: SOCKET });
    const label = [`kiln.runner=${this.name}`];
    for (const c of await docker.listContainers({ all: true, filters: { label } }))
      await docker.getContainer(c.Id).remove({ force: true, v: true });
    for (const n of await docker.listNetworks({ filters: { label } })) await docker.getNetwork(n.Id).remove();
  }
}

/** The floor: the engine creating and starting the same image with the app already on disk. */
async function dockerRunReady(docker: Docker, appDir: string): Promise<number> {
  const started = performance.now();
  const container = await docker.createContainer({
    Image: IMAGE,
    Env: ['KILN_APP_ID=bench', 'KILN_GATEWAY_URL=http://127.0.0.1:9', `KILN_GATEWAY_TOKEN=${'x'.repeat(24)}`],
    HostConfig: { Binds: [`${appDir}:/app:ro`], AutoRemove: false },
  });
  await container.start();
  const ip = (await container.inspect()).NetworkSettings.IPAddress;
  while (!(await answers(ip, 8788))) await new Promise((r) => setTimeout(r, 10));
  const ms = performance.now() - started;
  await container.remove({ force: true });
  return ms;
}

export async function runnerBench(log: (line: string) => void): Promise<string> {
  const docker = new Docker({ socketPath: SOCKET });
  await docker.getImage(IMAGE).inspect();
  const appDir = await mkdtemp(join(tmpdir(), 'kiln-runner-bench-'));
  await mkdir(join(appDir, 'src'));
  for (const [path, content] of Object.entries(APP)) await writeFile(join(appDir, path), content);
  await chmod(appDir, 0o755);

  const floor: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) floor.push(await dockerRunReady(docker, appDir));
  log(`docker run → ready: p50 ${percentile(floor, 0.5).toFixed(0)} ms`);

  const runner = new RunnerProcess();
  await runner.start();
  try {
    // The first create also sets up the network and its firewall: not counted.
    await runner.call('DELETE', `/instances/${(await runner.createReady('warmup')).id}`);
    const cold: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const { ms, id } = await runner.createReady('seq');
      cold.push(ms);
      await runner.call('DELETE', `/instances/${id}`);
    }
    log(`runner create → ready (sequential): p50 ${percentile(cold, 0.5).toFixed(0)} ms`);

    const wallStart = performance.now();
    const burst = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => runner.createReady(`burst-${i % 4}`)));
    const wall = performance.now() - wallStart;
    const burstMs = burst.map((b) => b.ms);
    log(`${CONCURRENT} concurrent creates: all ready in ${wall.toFixed(0)} ms`);
    for (const b of burst) await runner.call('DELETE', `/instances/${b.id}`);

    const row = (name: string, s: number[], note: string) =>
      `| ${name} | ${s.length} | ${percentile(s, 0.5).toFixed(0)} | ${percentile(s, 0.95).toFixed(0)} | ${Math.max(...s).toFixed(0)} | ${note} |`;
    return [
      '## Sandbox runner: create to ready',
      '',
      'From `POST /instances` (with the app’s files) to its answer, which the runner gives once the app answers HTTP',
      'inside its container (real Docker engine, runner in its own process, preview quotas and the instance network',
      'with its host firewall). Reference in the same run: `docker run` of the same image with the app bind-mounted,',
      'timed until the app answers — what the engine and the runtime cost without the runner.',
      '',
      '| scenario | n | p50 ms | p95 ms | max ms | notes |',
      '| --- | ---: | ---: | ---: | ---: | --- |',
      row('reference: docker run → ready', floor, 'engine + runtime boot only'),
      row('runner, cold, one at a time', cold, 'create, write files, rename, readiness probe'),
      row(`runner, ${CONCURRENT} created at once`, burstMs, `all ${CONCURRENT} ready after ${wall.toFixed(0)} ms`),
      '',
      `Cold p50 / reference p50: ${(percentile(cold, 0.5) / percentile(floor, 0.5)).toFixed(2)}x. Target: cold p50 under 5 s.`,
      'No warm pool yet: every create starts a container.',
    ].join('\n');
  } finally {
    await runner.stop();
    await rm(appDir, { recursive: true, force: true });
  }
}
