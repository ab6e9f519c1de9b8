import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { type Child, removeRunnerResources, startRunnerProcess } from '@kiln/devtools/testing';

/**
 * Create-to-ready of preview instances through the sandbox runner (its own process, real
 * engine), against the engine's floor in the same run: `docker run` of the same runtime image
 * with the same app bind-mounted, timed until the app answers HTTP.
 */

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

/** A sandbox runner in its own process, on the real engine. */
export class RunnerProcess {
  private child: Child | undefined;
  readonly token = randomBytes(24).toString('hex');
  /** Fixed per pool size, so reruns reuse the network and its firewall chain instead of adding more. */
  readonly name: string;
  base = '';

  constructor(
    private readonly poolSize: number,
    private readonly env: Record<string, string> = {},
    name = `kiln-bench-pool${poolSize}`,
  ) {
    this.name = name;
  }

  async start(): Promise<void> {
    const started = await startRunnerProcess({
      RUNNER_TOKEN: this.token,
      RUNNER_NAME: this.name,
      MAX_INSTANCES: String(CONCURRENT + 5),
      MAX_INSTANCES_PER_USER: String(CONCURRENT + 5),
      // 20 previews on 2 cores: each may use a fraction of a core; the limit is what quotas allow.
      INSTANCE_MEMORY_MB: '256',
      INSTANCE_READY_TIMEOUT_MS: '120000',
      WARM_POOL_SIZE: String(this.poolSize),
      REAPER_INTERVAL_MS: '3600000',
      ...this.env,
    });
    this.base = started.url;
    this.child = started.child;
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

  /** Waits until the warm pool has all its containers running again. */
  async poolFull(): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const text = await (await fetch(`${this.base}/metrics`)).text();
      const m = /kiln_instances\{state="running",class="pool"[^}]*\} (\d+)/.exec(text);
      if (Number(m?.[1] ?? 0) >= this.poolSize) return;
      if (Date.now() > deadline) throw new Error('the warm pool did not fill within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops the runner and removes everything it made: containers, network, firewall chain, volumes. */
  async stop(): Promise<void> {
    await this.child?.stop();
    removeRunnerResources(this.name);
  }

  /** Sequential create → ready → delete; with a pool, each create waits for the pool to be full. */
  async sequential(n: number): Promise<number[]> {
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      if (this.poolSize > 0) await this.poolFull();
      const { ms, id } = await this.createReady('seq');
      samples.push(ms);
      await this.call('DELETE', `/instances/${id}`);
    }
    return samples;
  }

  /** `count` creates at once; answers each one's time and the time until all were ready. */
  async burst(count: number): Promise<{ samples: number[]; wall: number }> {
    if (this.poolSize > 0) await this.poolFull();
    const started = performance.now();
    const all = await Promise.all(Array.from({ length: count }, (_, i) => this.createReady(`burst-${i % 4}`)));
    const wall = performance.now() - started;
    for (const b of all) await this.call('DELETE', `/instances/${b.id}`);
    return { samples: all.map((b) => b.ms), wall };
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

  const cold = new RunnerProcess(0);
  const warm = new RunnerProcess(3);
  try {
    await cold.start();
    // The first create also sets up the network and its firewall: not counted.
    await cold.call('DELETE', `/instances/${(await cold.createReady('warmup')).id}`);
    const coldSeq = await cold.sequential(SEQUENTIAL);
    log(`runner cold create → ready: p50 ${percentile(coldSeq, 0.5).toFixed(0)} ms`);
    const coldBurst = await cold.burst(CONCURRENT);
    log(`${CONCURRENT} concurrent cold creates: all ready in ${coldBurst.wall.toFixed(0)} ms`);
    await cold.stop();

    await warm.start();
    const warmSeq = await warm.sequential(SEQUENTIAL);
    log(`runner warm create → ready: p50 ${percentile(warmSeq, 0.5).toFixed(0)} ms`);
    const warmBurst = await warm.burst(CONCURRENT);
    log(`${CONCURRENT} concurrent creates, pool of 3: all ready in ${warmBurst.wall.toFixed(0)} ms`);

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
      row('runner, cold, one at a time', coldSeq, 'container create + start, files, rename, readiness probe'),
      row('runner, warm pool, one at a time', warmSeq, 'claim a pool container: identity, files, rename, probe'),
      row(
        `runner, cold, ${CONCURRENT} at once`,
        coldBurst.samples,
        `all ${CONCURRENT} ready after ${coldBurst.wall.toFixed(0)} ms`,
      ),
      row(
        `runner, pool of 3, ${CONCURRENT} at once`,
        warmBurst.samples,
        `all ${CONCURRENT} ready after ${warmBurst.wall.toFixed(0)} ms (3 warm, the rest cold)`,
      ),
      '',
      `Targets: warm p50 under 500 ms (${percentile(warmSeq, 0.5) < 500 ? 'met' : 'missed'}, ` +
        `${percentile(warmSeq, 0.5).toFixed(0)} ms); cold p50 under 5 s (${percentile(coldSeq, 0.5) < 5000 ? 'met' : 'missed'}, ` +
        `${percentile(coldSeq, 0.5).toFixed(0)} ms). Sequential runs wait for the pool to refill between creates.`,
    ].join('\n');
  } finally {
    await cold.stop();
    await warm.stop();
    await rm(appDir, { recursive: true, force: true });
  }
}
