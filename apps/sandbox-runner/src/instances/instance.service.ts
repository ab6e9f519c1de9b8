import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import {
  type TAppFile,
  type TExecResult,
  type TFileContent,
  type TInstance,
  type TInstanceLogs,
  type TStaticAnalysis,
  type TInstanceError,
  ZCreateInstance,
  ZExecRequest,
  ZInstanceId,
  ZWriteFiles,
} from '@kiln/contracts';
import type { RunnerConfig } from '../config.js';
import { APP_USER, type InstanceContainerSpec, RUNTIME_PORT } from '../docker/container-spec.js';
import type { ContainerInfo, DockerEngine, NetworkInfo } from '../docker/docker-engine.js';
import type { HostFirewall } from '../docker/host-firewall.js';
import {
  InstanceCapError,
  InstanceImmutableError,
  InstanceNotFoundError,
  InstanceNotRunningError,
  InvalidFileError,
} from '../errors.js';
import type { RunnerMetrics } from '../metrics.js';
import type { FileService } from './file.service.js';
import { type Identity, IdentityStore } from './identity.js';
import { FailedRequests, errorsInLog } from './runtime-errors.js';
import { WarmPool } from './warm-pool.js';
import { ANALYZE_COMMAND, toStaticAnalysis } from '../analysis/diagnostics.js';
import { answersHttp } from './readiness.js';
import { loadTemplate } from './templates.js';

/** Host name instances reach the binding gateway at (the host's address on their network). */
export const GATEWAY_HOST_NAME = 'kiln-gateway';
/** tsc over a template-sized app takes seconds; a stuck checker must not hold the request for long. */
const ANALYZE_TIMEOUT_MS = 120_000;
/** Suffix of a container whose create has not finished; one left behind by a crash is an orphan. */
export const CREATING_SUFFIX = '-creating';

/**
 * Instance lifecycle. Everything known about an instance lives on its container (labels, name,
 * state), so a restarted runner sees exactly what the engine runs. The one thing kept in memory
 * is when each preview was last used (for the idle reaper); a restarted runner counts its
 * previews as used at start, which delays a reap by at most one TTL and never hastens one.
 */
export class InstanceService {
  private createQueue: Promise<unknown> = Promise.resolve();
  private networkReady: Promise<NetworkInfo> | undefined;
  private readonly lastUsed = new Map<string, number>();
  /** Creates in progress: instance id → user (counted by the caps). */
  private readonly creating = new Map<string, string>();
  private readonly identities: IdentityStore;
  readonly pool: WarmPool;
  private readonly log: FastifyBaseLogger;

  constructor(
    private readonly engine: DockerEngine,
    private readonly files: FileService,
    private readonly firewall: HostFirewall,
    private readonly metrics: RunnerMetrics,
    private readonly config: RunnerConfig,
    log: FastifyBaseLogger,
    readonly failures = new FailedRequests(),
  ) {
    this.identities = new IdentityStore(engine);
    this.pool = new WarmPool(
      config.RUNNER_NAME,
      config.WARM_POOL_SIZE,
      (name, id) => this.createPoolContainer(name, id),
      log,
    );
    this.log = log;
  }

  get ownLabels(): Record<string, string> {
    return { 'kiln.managed': 'true', 'kiln.runner': this.config.RUNNER_NAME };
  }

  get networkName(): string {
    return `${this.config.RUNNER_NAME}-instances`;
  }

  containerName(id: string): string {
    return `${this.config.RUNNER_NAME}-${ZInstanceId.parse(id)}`;
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

  isCreating(id: string): boolean {
    return this.creating.has(id);
  }

  forget(id: string): void {
    this.lastUsed.delete(id);
    this.identities.forget(id);
    this.failures.forget(id);
  }

  /**
   * The instance network and its host firewall, set up once per runner process (and again when
   * the network was removed under us). Every create goes through here, so no container starts on
   * a network whose isolation from host services failed.
   */
  async ensureNetwork(): Promise<NetworkInfo> {
    this.networkReady ??= (async () => {
      const info = await this.engine.ensureNetwork(this.networkName, this.ownLabels);
      const url = new URL(this.config.GATEWAY_URL);
      const opening =
        url.hostname === GATEWAY_HOST_NAME ? { address: info.gateway, port: Number(url.port || 80) } : undefined;
      await this.firewall.isolate(info.bridge, opening);
      return info;
    })();
    try {
      return await this.networkReady;
    } catch (err) {
      this.networkReady = undefined;
      throw err;
    }
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
    // A preview with an app starts from a warm container when the pool has one.
    const warm = input.class === 'preview' && files.length > 0 ? await this.reserveWarm(identity) : undefined;
    let id = warm?.id;
    let start: 'warm' | 'cold' = 'warm';
    if (warm) {
      try {
        await this.claimWarm(warm.name, warm.id, identity, env, files);
      } catch (err) {
        // A pool container that went away (engine restart, manual removal) costs a cold start,
        // not the create.
        this.log.warn({ err, container: warm.name }, 'warm pool: claim failed; starting cold');
        id = undefined;
      } finally {
        this.creating.delete(warm.id);
        this.pool.refill();
      }
    }
    if (!id) {
      start = 'cold';
      id = await this.reserveCold(identity);
      try {
        await this.createCold(id, identity, env, files);
      } finally {
        this.creating.delete(id);
      }
    }
    this.touch(id);
    this.metrics.createSeconds.observe({ class: input.class, start }, (performance.now() - started) / 1000);
    if (files.length === 0) return this.get(id);
    const instance = await this.waitReady(id, this.config.INSTANCE_READY_TIMEOUT_MS);
    if (instance.state === 'ready')
      this.metrics.readySeconds.observe({ class: input.class, start }, (performance.now() - started) / 1000);
    return instance;
  }

  /**
   * Checks the caps and holds a place for the new instance (counted by the caps from then on,
   * before its container has a name or an identity). Serialized with every other create, so
   * concurrent creates cannot overshoot a cap.
   */
  private serialized<T>(step: () => Promise<T>): Promise<T> {
    const result = this.createQueue.then(step);
    this.createQueue = result.catch(() => undefined);
    return result;
  }

  /** A pool container for a warm start, or undefined when the pool is empty. */
  private reserveWarm(identity: Identity): Promise<{ id: string; name: string } | undefined> {
    return this.serialized(async () => {
      await this.checkCaps(identity.user);
      const name = this.pool.take();
      const id = name && WarmPool.idOf(name);
      if (!name || !id) return undefined;
      this.creating.set(id, identity.user);
      return { id, name };
    });
  }

  private reserveCold(identity: Identity): Promise<string> {
    return this.serialized(async () => {
      await this.checkCaps(identity.user);
      const id = randomBytes(8).toString('hex');
      this.creating.set(id, identity.user);
      return id;
    });
  }

  private async checkCaps(user: string): Promise<void> {
    const instances = await this.instances();
    const pending = [...this.creating.values()];
    if (instances.length + pending.length >= this.config.MAX_INSTANCES) {
      this.metrics.quotaRejections.inc({ scope: 'runner' });
      throw new InstanceCapError('runner', this.config.MAX_INSTANCES);
    }
    const mine = instances.filter((i) => i.identity?.user === user).length + pending.filter((u) => u === user).length;
    if (mine >= this.config.MAX_INSTANCES_PER_USER) {
      this.metrics.quotaRejections.inc({ scope: 'user' });
      throw new InstanceCapError('user', this.config.MAX_INSTANCES_PER_USER);
    }
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

  /** Identity and environment in, then the app, then the instance's name: a warm start. */
  private async claimWarm(
    name: string,
    id: string,
    identity: Identity,
    env: Record<string, string>,
    files: TAppFile[],
  ): Promise<void> {
    try {
      await this.engine.putArchive(name, '/app', IdentityStore.claimArchive(identity, env));
      this.identities.remember(id, identity);
      await this.files.write(name, files);
      await this.engine.rename(name, this.containerName(id));
    } catch (err) {
      this.identities.forget(id);
      await this.engine.remove(name);
      throw err;
    }
  }

  private async createCold(
    id: string,
    identity: Identity,
    env: Record<string, string>,
    files: TAppFile[],
  ): Promise<void> {
    const published = identity.class === 'published';
    const labels = {
      ...this.ownLabels,
      'kiln.instance': id,
      'kiln.app': identity.app,
      'kiln.user': identity.user,
      'kiln.class': identity.class,
      'kiln.created': identity.created,
    };
    // A published instance runs from an image with its app inside: nothing to lose when its
    // container restarts (a preview's /app is a tmpfs volume, emptied by a stop).
    const image = published ? this.appImage(id) : this.config.RUNTIME_IMAGE;
    if (published)
      await this.engine.buildImage(image, this.files.imageContext(files, this.config.RUNTIME_IMAGE), labels);
    const creating = `${this.containerName(id)}${CREATING_SUFFIX}`;
    try {
      const network = await this.ensureNetwork();
      // Created under a temporary name, renamed once its files are in: a runner that dies in
      // between leaves a `-creating` container, which reconciliation removes as an orphan.
      await this.engine.createInstance({
        ...this.limits(),
        name: creating,
        image,
        appVolume: !published,
        network: this.networkName,
        hosts: { [GATEWAY_HOST_NAME]: network.gateway },
        labels,
        env,
        restartOnFailure: published,
      });
    } catch (err) {
      // The network may have been removed under us: set it up again on the next create.
      this.networkReady = undefined;
      if (published) await this.engine.removeImage(image);
      throw err;
    }
    try {
      if (files.length > 0 && !published) await this.files.write(creating, files);
      await this.engine.rename(creating, this.containerName(id));
    } catch (err) {
      await this.engine.remove(creating);
      if (published) await this.engine.removeImage(image);
      throw err;
    }
  }

  /** A pool container: the runtime image running, waiting for an app (infra/runtime/entrypoint.mjs). */
  private async createPoolContainer(name: string, id: string): Promise<void> {
    const network = await this.ensureNetwork();
    await this.engine.createInstance({
      ...this.limits(),
      name,
      image: this.config.RUNTIME_IMAGE,
      appVolume: true,
      network: this.networkName,
      hosts: { [GATEWAY_HOST_NAME]: network.gateway },
      labels: { ...this.ownLabels, 'kiln.instance': id, 'kiln.pool': 'true', 'kiln.created': new Date().toISOString() },
      env: { KILN_GATEWAY_URL: this.config.GATEWAY_URL },
      restartOnFailure: false,
    });
  }

  /** The engine-enforced limits every instance container gets. */
  limits(): Pick<InstanceContainerSpec, 'memoryMb' | 'cpus' | 'pids' | 'diskMb' | 'tmpMb'> {
    return {
      memoryMb: this.config.INSTANCE_MEMORY_MB,
      cpus: this.config.INSTANCE_CPUS,
      pids: this.config.INSTANCE_PIDS,
      diskMb: this.config.INSTANCE_DISK_MB,
      tmpMb: this.config.INSTANCE_TMP_MB,
    };
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
   * Tells the runtime to reload the app now (SIGHUP, libs/runtime/src/main.ts) rather than rely
   * on file-change events, which files replaced through the archive API do not always raise. A
   * runtime still waiting for its first wrangler.jsonc ignores it.
   */
  private async reloadApp(id: string): Promise<void> {
    await this.engine.signal(this.containerName(id), 'SIGHUP');
  }

  /** Image of a published instance: the runtime image plus its app. */
  appImage(id: string): string {
    return `kiln-app/${this.config.RUNNER_NAME}-${ZInstanceId.parse(id)}:1`;
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
