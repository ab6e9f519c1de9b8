import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import {
  type TExecResult,
  type TFileContent,
  type TInstance,
  type TInstanceLogs,
  type TStaticAnalysis,
  type TInstanceError,
  type TReloadResult,
  ZCreateInstance,
  ZExecRequest,
  ZWriteFiles,
} from '@kiln/contracts';
import { ANALYZE_COMMAND, toStaticAnalysis } from '../analysis/diagnostics.js';
import type { RunnerConfig } from '../config.js';
import { APP_USER, RUNTIME_PORT } from '../docker/container-spec.js';
import type { ContainerInfo, DockerEngine, NetworkInfo } from '../docker/docker-engine.js';
import type { HostFirewall } from '../docker/host-firewall.js';
import {
  InstanceImmutableError,
  InstanceNotFoundError,
  InstanceNotRunningError,
  InvalidFileError,
  ReloadTimeoutError,
} from '../errors.js';
import type { RunnerMetrics } from '../metrics.js';
import type { FileService } from './file.service.js';
import { type Identity, IdentityStore } from './identity.js';
import { CREATING_SUFFIX, InstanceCreator, appImage, containerName, ownLabels } from './instance-creator.js';
import { answersHttp } from './readiness.js';
import { packTar } from './tar.js';
import { FailedRequests, errorsInLog, reloadOutcome } from './runtime-errors.js';
import { loadTemplate } from './templates.js';
import { WarmPool } from './warm-pool.js';

/** How long a reload waits for a runtime that has not started (an app's first build handing over). */
const START_WAIT_MS = 5000;
/** Where the runner leaves the token of a reload it asked for (libs/runtime RELOAD_TOKEN_FILE). */
const RELOAD_TOKEN_FILE = '.kiln/reload-token';
/** A reload takes well under a second; after a failure the runtime retries workerd for ~30 s. */
const RELOAD_TIMEOUT_MS = 45_000;
/** tsc over a template-sized app takes seconds; a stuck checker must not hold the request for long. */
const ANALYZE_TIMEOUT_MS = 120_000;

/**
 * Instance lifecycle. Everything known about an instance lives on its container (labels, name,
 * state), so a restarted runner sees exactly what the engine runs. The one thing kept in memory
 * is when each preview was last used (for the idle reaper); a restarted runner counts its
 * previews as used at start, which delays a reap by at most one TTL and never hastens one.
 */
export class InstanceService {
  private readonly lastUsed = new Map<string, number>();
  private readonly identities: IdentityStore;
  private readonly creator: InstanceCreator;

  constructor(
    private readonly engine: DockerEngine,
    private readonly files: FileService,
    firewall: HostFirewall,
    private readonly metrics: RunnerMetrics,
    private readonly config: RunnerConfig,
    log: FastifyBaseLogger,
    readonly failures = new FailedRequests(),
  ) {
    this.identities = new IdentityStore(engine);
    this.creator = new InstanceCreator(
      engine,
      files,
      firewall,
      metrics,
      config,
      this.identities,
      () => this.instances(),
      log,
    );
  }

  get ownLabels(): Record<string, string> {
    return ownLabels(this.config.RUNNER_NAME);
  }

  get pool(): WarmPool {
    return this.creator.pool;
  }

  containerName(id: string): string {
    return containerName(this.config.RUNNER_NAME, id);
  }

  /** Image of a published instance: the runtime image plus its app. */
  appImage(id: string): string {
    return appImage(this.config.RUNNER_NAME, id);
  }

  ensureNetwork(): Promise<NetworkInfo> {
    return this.creator.ensureNetwork();
  }

  isCreating(id: string): boolean {
    return this.creator.isCreating(id);
  }

  /** Marks an instance as used now (proxied traffic, API calls); the reaper spares it a TTL. */
  touch(id: string): void {
    this.lastUsed.set(id, Date.now());
  }

  /** When the instance was last used; an instance this runner has not seen yet counts from now. */
  lastUsedAt(id: string): number {
    let at = this.lastUsed.get(id);
    if (at === undefined) this.lastUsed.set(id, (at = Date.now()));
    return at;
  }

  identityOf(c: { name: string; labels: Record<string, string> }): Promise<Identity | undefined> {
    return this.identities.of(c);
  }

  forget(id: string): void {
    this.lastUsed.delete(id);
    this.identities.forget(id);
    this.failures.forget(id);
  }

  async create(body: unknown): Promise<TInstance> {
    const input = ZCreateInstance.parse(body);
    const template = input.template ? await loadTemplate(this.config.TEMPLATES_DIR, input.template) : [];
    const files = [...template, ...input.files];
    if (input.class === 'published' && files.length === 0)
      throw new InvalidFileError('a published instance needs its app: give `files` or a `template`');
    const started = performance.now();
    const identity: Identity = {
      app: input.appId,
      user: input.userId,
      class: input.class,
      created: new Date().toISOString(),
    };
    const env = {
      ...input.env,
      KILN_APP_ID: input.appId,
      KILN_GATEWAY_URL: this.config.GATEWAY_URL,
      // Apps without bindings never use it; the runtime still requires one.
      KILN_GATEWAY_TOKEN: input.gatewayToken ?? randomBytes(16).toString('hex'),
    };
    const { id, start } = await this.creator.create(identity, env, files);
    this.touch(id);
    this.metrics.createSeconds.observe({ class: input.class, start }, (performance.now() - started) / 1000);
    if (files.length === 0) return this.get(id);
    const instance = await this.waitReady(id, this.config.INSTANCE_READY_TIMEOUT_MS);
    if (instance.state === 'ready')
      this.metrics.readySeconds.observe({ class: input.class, start }, (performance.now() - started) / 1000);
    return instance;
  }

  /** This runner's instance containers (not unclaimed pool ones, not creates in progress). */
  async instances(): Promise<{ name: string; id: string; state: string; identity: Identity | undefined }[]> {
    const all = await this.engine.list(this.ownLabels);
    // A `-creating` container is counted through `creating` (or is an orphan about to go).
    const instances = all.filter((c) => !WarmPool.isPoolName(c.name) && !c.name.endsWith(CREATING_SUFFIX));
    return Promise.all(
      instances.map(async (c) => ({
        name: c.name,
        id: c.labels['kiln.instance'] ?? '',
        state: c.state,
        identity: await this.identities.of(c),
      })),
    );
  }

  async get(id: string): Promise<TInstance> {
    return this.view(id, await this.require(id), 1000);
  }

  async list(userId?: string): Promise<TInstance[]> {
    const mine = (await this.instances()).filter((i) => !userId || i.identity?.user === userId);
    const infos = await Promise.all(mine.map((i) => this.engine.inspect(i.name)));
    return Promise.all(
      infos
        .filter((i): i is ContainerInfo => i !== undefined)
        .map((i) => this.view(i.labels['kiln.instance'] ?? '', i, 300)),
    );
  }

  /** Polls until the app answers HTTP, the container stops, or the timeout passes. */
  async waitReady(id: string, timeoutMs: number): Promise<TInstance> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const instance = await this.get(id);
      if (instance.state !== 'starting' || Date.now() >= deadline) return instance;
      // Apps start in a few hundred ms: poll closely at first, then back off.
      await new Promise((r) => setTimeout(r, Date.now() < deadline - timeoutMs + 2000 ? 25 : 100));
    }
  }

  async remove(id: string): Promise<{ id: string }> {
    const info = await this.require(id);
    await this.engine.remove(this.containerName(id));
    if (info.labels['kiln.class'] === 'published') await this.engine.removeImage(this.appImage(id));
    this.forget(id);
    return { id };
  }

  /**
   * Reloads the app and answers once the runtime has applied it (after a build, say, which
   * writes files the runner did not): SIGHUP, then the runtime's log line for that reload
   * (`cause: "signal"`, libs/runtime). A runtime that has not started yet (no app, or an app
   * waiting for its build) has nothing to reload.
   */
  async reload(id: string): Promise<TReloadResult> {
    await this.requireMutable(id);
    const name = this.containerName(id);
    const since = Date.now();
    // A runtime that has not started yet starts on the current files: after an app's first build
    // the image's entrypoint hands over to it within a second or two.
    const started = async () => /serving on/.test((await this.engine.logs(name, 2000)).stdout);
    if (!(await started())) {
      while (Date.now() < since + START_WAIT_MS) {
        await new Promise((r) => setTimeout(r, 100));
        if (await started()) return { reloaded: true, error: null };
      }
      return { reloaded: false, error: 'the app is not running: no wrangler.jsonc, or its build output is missing' };
    }
    // The runtime logs the token it finds at the start of each reload, so the reload that read
    // this token (and the files before it) is the answer, whichever others run around it.
    const token = randomBytes(12).toString('hex');
    await this.engine.putArchive(name, '/app', packTar([{ path: RELOAD_TOKEN_FILE, data: Buffer.from(token) }], 0));
    await this.reloadApp(id);
    const deadline = since + RELOAD_TIMEOUT_MS;
    for (;;) {
      const done = reloadOutcome((await this.engine.logs(name, 200)).stdout, token);
      if (done) return done;
      if (Date.now() > deadline) throw new ReloadTimeoutError(id, RELOAD_TIMEOUT_MS);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Tells the runtime to reload the app now (SIGHUP, libs/runtime/src/main.ts) rather than rely
   * on file-change events, which files replaced through the archive API do not always raise. A
   * runtime still waiting for its first wrangler.jsonc ignores it.
   */
  private async reloadApp(id: string): Promise<void> {
    await this.engine.signal(this.containerName(id), 'SIGHUP');
  }

  /**
   * Restarts the instance's container, a fresh runtime process on the same app; answers once the
   * app is ready again. A preview's files are kept across it (its tmpfs /app empties on stop).
   */
  async restart(id: string): Promise<TInstance> {
    const info = await this.require(id);
    const name = this.containerName(id);
    if (info.labels['kiln.class'] === 'published') {
      await this.engine.restart(name, 5);
    } else {
      const app = info.running ? await this.files.snapshot(name) : undefined;
      await this.engine.restart(name, 5);
      if (app) await this.files.restore(name, app);
    }
    return this.waitReady(id, this.config.INSTANCE_READY_TIMEOUT_MS);
  }

  async exec(id: string, body: unknown): Promise<TExecResult> {
    const req = ZExecRequest.parse(body);
    await this.requireRunning(id);
    const started = performance.now();
    // No shell or coreutils `timeout` in the image: node itself enforces the timeout on the
    // command and kills it, so an abandoned exec does not keep running inside the container.
    const wrapper = [
      'node',
      '-e',
      `const r=require('child_process').spawnSync(process.argv[2],process.argv.slice(3),{stdio:'inherit',timeout:+process.argv[1],killSignal:'SIGKILL'});` +
        `process.exit(r.error&&r.error.code==='ETIMEDOUT'?124:r.error?127:r.status??128+(require('os').constants.signals[r.signal]??0))`,
      String(req.timeoutMs),
      ...req.command,
    ];
    const out = await this.engine.exec(this.containerName(id), wrapper, {
      user: APP_USER,
      workdir: '/app',
      deadlineMs: req.timeoutMs + 5000,
    });
    return {
      exitCode: out.exitCode,
      timedOut: out.abandoned || out.exitCode === 124,
      oomKilled: out.exitCode === 137 && (await this.oomKills(id)) > 0,
      stdout: out.stdout,
      stderr: out.stderr,
      durationMs: Math.round(performance.now() - started),
    };
  }

  /** Type-check (and lint) the app in its container with the image's analyzer. */
  async analyze(id: string): Promise<TStaticAnalysis> {
    const run = await this.exec(id, { command: [...ANALYZE_COMMAND], timeoutMs: ANALYZE_TIMEOUT_MS });
    return toStaticAnalysis(run);
  }

  async writeFiles(id: string, body: unknown): Promise<{ written: number }> {
    const { files } = ZWriteFiles.parse(body);
    await this.requireMutable(id);
    await this.files.write(this.containerName(id), files);
    await this.reloadApp(id);
    return { written: files.length };
  }

  async readFile(id: string, path: string): Promise<TFileContent> {
    await this.requireRunning(id);
    return this.files.read(this.containerName(id), path);
  }

  async deleteFile(id: string, path: string): Promise<{ deleted: string }> {
    await this.requireMutable(id);
    await this.files.remove(this.containerName(id), path);
    await this.reloadApp(id);
    return { deleted: path };
  }

  /**
   * OOM kills in the instance's memory cgroup so far. Docker's own `OOMKilled` only covers the
   * main process, while a hog started by exec is what the kernel kills; a SIGKILL'd command plus a
   * non-zero count is reported as OOM. Reads cgroup v1's memory.oom_control or v2's memory.events.
   */
  private async oomKills(id: string): Promise<number> {
    const read =
      "const fs=require('fs');for(const f of ['/sys/fs/cgroup/memory/memory.oom_control','/sys/fs/cgroup/memory.events'])" +
      "{try{const m=/oom_kill (\\d+)/.exec(fs.readFileSync(f,'utf8'));if(m){console.log(m[1]);break}}catch{}}";
    // Right after a kill the cgroup may briefly have no room (pids, memory) to start the reader.
    for (let attempt = 0; ; attempt++) {
      const out = await this.engine.exec(this.containerName(id), ['node', '-e', read], {
        user: APP_USER,
        workdir: '/app',
        deadlineMs: 10_000,
      });
      if (/^\d+$/.test(out.stdout.trim()) || attempt === 4) return Number(out.stdout.trim()) || 0;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** The app's errors: console errors/warnings and runtime errors from its log, failed requests. */
  async errors(id: string, since: string | undefined): Promise<TInstanceError[]> {
    await this.require(id);
    const { stdout, stderr } = await this.engine.logs(this.containerName(id), 2000);
    const all = [...errorsInLog(`${stdout}\n${stderr}`), ...this.failures.of(id)];
    const from = since ? Date.parse(since) : 0;
    return all.filter((e) => Date.parse(e.time) >= from).sort((a, b) => a.time.localeCompare(b.time));
  }

  /** The instance's output as it happens (NDJSON), until it stops or the caller goes away. */
  async followLogs(id: string, tail: number, signal: AbortSignal): Promise<Readable> {
    await this.require(id);
    return this.engine.followLogs(this.containerName(id), tail, signal);
  }

  async logs(id: string, tail: number): Promise<TInstanceLogs> {
    await this.require(id);
    return this.engine.logs(this.containerName(id), tail);
  }

  /** Where the proxy sends a preview's traffic. */
  async target(id: string): Promise<{ host: string; port: number }> {
    const info = await this.requireRunning(id);
    return { host: info.ip ?? '', port: RUNTIME_PORT };
  }

  async requireRunning(id: string): Promise<ContainerInfo> {
    const info = await this.require(id);
    if (!info.running || !info.ip) throw new InstanceNotRunningError(id);
    return info;
  }

  private async requireMutable(id: string): Promise<ContainerInfo> {
    const info = await this.requireRunning(id);
    if (info.labels['kiln.class'] === 'published') throw new InstanceImmutableError(id);
    return info;
  }

  private async require(id: string): Promise<ContainerInfo> {
    const info = await this.engine.inspect(this.containerName(id));
    if (!info || info.labels['kiln.runner'] !== this.config.RUNNER_NAME) throw new InstanceNotFoundError(id);
    this.touch(id);
    return info;
  }

  private async view(id: string, info: ContainerInfo, probeMs: number): Promise<TInstance> {
    const identity = await this.identities.of(info);
    const ready = info.running && info.ip !== undefined && (await answersHttp(info.ip, RUNTIME_PORT, probeMs));
    return {
      id,
      appId: identity?.app ?? '',
      userId: identity?.user ?? '',
      class: identity?.class ?? 'preview',
      state: ready ? 'ready' : info.running ? 'starting' : 'exited',
      createdAt: identity?.created ?? '',
      previewPath: `/preview/${id}/`,
      previewHost: this.config.PREVIEW_DOMAIN ? `${id}.${this.config.PREVIEW_DOMAIN}` : null,
      exitCode: info.exitCode,
      oomKilled: info.oomKilled,
    };
  }
}
