import { randomBytes } from 'node:crypto';
import {
  type TExecResult,
  type TFileContent,
  type TInstance,
  type TInstanceLogs,
  ZCreateInstance,
  ZExecRequest,
  ZInstanceId,
  ZWriteFiles,
} from '@kiln/contracts';
import type { RunnerConfig } from '../config.js';
import { APP_USER, RUNTIME_PORT } from '../docker/container-spec.js';
import type { ContainerInfo, DockerEngine } from '../docker/docker-engine.js';
import { InstanceCapError, InstanceNotFoundError, InstanceNotRunningError } from '../errors.js';
import type { FileService } from './file.service.js';
import { answersHttp } from './readiness.js';
import { loadTemplate } from './templates.js';

/**
 * Instance lifecycle. Everything known about an instance lives on its container (labels, state),
 * so a restarted runner sees exactly what the engine runs; nothing here is lost on restart.
 */
export class InstanceService {
  private createQueue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly engine: DockerEngine,
    private readonly files: FileService,
    private readonly config: RunnerConfig,
  ) {}

  private get ownLabels(): Record<string, string> {
    return { 'kiln.managed': 'true', 'kiln.runner': this.config.RUNNER_NAME };
  }

  private get network(): string {
    return `${this.config.RUNNER_NAME}-instances`;
  }

  containerName(id: string): string {
    return `${this.config.RUNNER_NAME}-${ZInstanceId.parse(id)}`;
  }

  async create(body: unknown): Promise<TInstance> {
    const input = ZCreateInstance.parse(body);
    const template = input.template ? await loadTemplate(this.config.TEMPLATES_DIR, input.template) : [];
    const id = randomBytes(8).toString('hex');
    const labels = {
      ...this.ownLabels,
      'kiln.instance': id,
      'kiln.app': input.appId,
      'kiln.user': input.userId,
      'kiln.class': input.class,
      'kiln.created': new Date().toISOString(),
    };
    // Counting and creating are serialized so concurrent creates cannot overshoot a cap.
    const created = this.createQueue.then(async () => {
      const all = await this.engine.listNames(this.ownLabels);
      if (all.length >= this.config.MAX_INSTANCES) throw new InstanceCapError('runner', this.config.MAX_INSTANCES);
      const mine = await this.engine.listNames({ ...this.ownLabels, 'kiln.user': input.userId });
      if (mine.length >= this.config.MAX_INSTANCES_PER_USER)
        throw new InstanceCapError('user', this.config.MAX_INSTANCES_PER_USER);
      await this.engine.ensureNetwork(this.network, this.ownLabels);
      await this.engine.createInstance({
        name: this.containerName(id),
        image: this.config.RUNTIME_IMAGE,
        network: this.network,
        labels,
        env: {
          ...input.env,
          KILN_APP_ID: input.appId,
          KILN_GATEWAY_URL: this.config.GATEWAY_URL,
          // Apps without bindings never use it; the runtime still requires one.
          KILN_GATEWAY_TOKEN: input.gatewayToken ?? randomBytes(16).toString('hex'),
        },
        memoryMb: this.config.INSTANCE_MEMORY_MB,
        cpus: this.config.INSTANCE_CPUS,
        pids: this.config.INSTANCE_PIDS,
        diskMb: this.config.INSTANCE_DISK_MB,
        tmpMb: this.config.INSTANCE_TMP_MB,
        restartOnFailure: input.class === 'published',
      });
    });
    this.createQueue = created.catch(() => undefined);
    await created;
    const files = [...template, ...input.files];
    if (files.length === 0) return this.get(id);
    try {
      await this.files.write(this.containerName(id), files);
    } catch (err) {
      await this.engine.remove(this.containerName(id));
      throw err;
    }
    return this.waitReady(id, this.config.INSTANCE_READY_TIMEOUT_MS);
  }

  async get(id: string): Promise<TInstance> {
    return this.view(id, await this.require(id), 1000);
  }

  async list(userId?: string): Promise<TInstance[]> {
    const names = await this.engine.listNames(userId ? { ...this.ownLabels, 'kiln.user': userId } : this.ownLabels);
    const infos = await Promise.all(names.map((n) => this.engine.inspect(n)));
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
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async remove(id: string): Promise<{ id: string }> {
    if (!(await this.engine.remove(this.containerName(id)))) throw new InstanceNotFoundError(id);
    return { id };
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

  async writeFiles(id: string, body: unknown): Promise<{ written: number }> {
    const { files } = ZWriteFiles.parse(body);
    await this.requireRunning(id);
    await this.files.write(this.containerName(id), files);
    return { written: files.length };
  }

  async readFile(id: string, path: string): Promise<TFileContent> {
    await this.requireRunning(id);
    return this.files.read(this.containerName(id), path);
  }

  async deleteFile(id: string, path: string): Promise<{ deleted: string }> {
    await this.requireRunning(id);
    await this.files.remove(this.containerName(id), path);
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

  private async require(id: string): Promise<ContainerInfo> {
    const info = await this.engine.inspect(this.containerName(id));
    if (!info || info.labels['kiln.runner'] !== this.config.RUNNER_NAME) throw new InstanceNotFoundError(id);
    return info;
  }

  private async view(id: string, info: ContainerInfo, probeMs: number): Promise<TInstance> {
    const l = info.labels;
    const ready = info.running && info.ip !== undefined && (await answersHttp(info.ip, RUNTIME_PORT, probeMs));
    return {
      id,
      appId: l['kiln.app'] ?? '',
      userId: l['kiln.user'] ?? '',
      class: l['kiln.class'] === 'published' ? 'published' : 'preview',
      state: ready ? 'ready' : info.running ? 'starting' : 'exited',
      createdAt: l['kiln.created'] ?? '',
      previewPath: `/preview/${id}/`,
      exitCode: info.exitCode,
      oomKilled: info.oomKilled,
    };
  }
}
