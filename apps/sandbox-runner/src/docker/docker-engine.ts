import { PassThrough, Readable } from 'node:stream';
import Docker from 'dockerode';
import { EngineError } from '../errors.js';
import { containerOptions, type InstanceContainerSpec } from './container-spec.js';

export interface ContainerInfo {
  id: string;
  name: string;
  labels: Record<string, string>;
  running: boolean;
  exitCode: number | null;
  oomKilled: boolean;
  /** Address on the runner's network; undefined while not running. */
  ip: string | undefined;
}

export interface ContainerSummary {
  name: string;
  labels: Record<string, string>;
  /** Docker's state word: created, running, restarting, exited, paused, dead. */
  state: string;
}

export interface NetworkInfo {
  id: string;
  /** The bridge's interface name on the host. */
  bridge: string;
  /** The bridge's address on the host, the one containers reach the host at. */
  gateway: string;
}

export interface ExecOutput {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** True when the runner gave up waiting (the command got its own timeout first, normally). */
  abandoned: boolean;
}

const MAX_OUTPUT = 1024 * 1024;

function statusOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'statusCode' in err ? Number(err.statusCode) : undefined;
}

/** Splits Docker's multiplexed stdout/stderr stream format (8-byte frame headers). */
function demux(buf: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  for (let i = 0; i + 8 <= buf.length;) {
    const size = buf.readUInt32BE(i + 4);
    (buf[i] === 2 ? err : out).push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** The adapter for the Docker engine; everything the runner asks of Docker goes through here. */
export class DockerEngine {
  private readonly docker: Docker;

  constructor(socketPath: string) {
    this.docker = new Docker({ socketPath });
  }

  /** Engine version when it answers; throws with the engine's or the socket's error otherwise. */
  async version(): Promise<string> {
    const info = await this.docker.version();
    return info.Version;
  }

  /**
   * An internal bridge network: no route out of the host (no internet), and inter-container
   * traffic off so one preview cannot reach another. The runner reaches containers from the host.
   * Answers the bridge's interface name and its address on the host (for the host firewall).
   */
  async ensureNetwork(name: string, labels: Record<string, string>): Promise<NetworkInfo> {
    const existing = await this.inspectNetwork(name);
    if (existing) return existing;
    try {
      await this.docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        Internal: true,
        CheckDuplicate: true,
        Labels: labels,
        Options: { 'com.docker.network.bridge.enable_icc': 'false' },
      });
    } catch (err) {
      // Another request created it meanwhile.
      if (statusOf(err) !== 409) throw new EngineError(`cannot create network ${name}`, err);
    }
    const created = await this.inspectNetwork(name);
    if (!created) throw new EngineError(`network ${name} vanished right after its creation`, undefined);
    return created;
  }

  private async inspectNetwork(name: string): Promise<NetworkInfo | undefined> {
    try {
      const n = (await this.docker.getNetwork(name).inspect()) as {
        Id: string;
        Options?: Record<string, string>;
        IPAM?: { Config?: { Gateway?: string }[] };
      };
      const gateway = n.IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
      if (!gateway) throw new EngineError(`network ${name} has no gateway address`, undefined);
      // Docker names a user-defined bridge br-<first 12 hex digits of the id> unless told otherwise.
      return { id: n.Id, bridge: n.Options?.['com.docker.network.bridge.name'] ?? `br-${n.Id.slice(0, 12)}`, gateway };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      if (err instanceof EngineError) throw err;
      throw new EngineError(`cannot inspect network ${name}`, err);
    }
  }

  async removeNetwork(name: string): Promise<void> {
    try {
      await this.docker.getNetwork(name).remove();
    } catch (err) {
      if (statusOf(err) !== 404) throw new EngineError(`cannot remove network ${name}`, err);
    }
  }

  async createInstance(spec: InstanceContainerSpec): Promise<void> {
    try {
      const container = await this.docker.createContainer(containerOptions(spec));
      await container.start();
    } catch (err) {
      if (statusOf(err) === 404 && /image/i.test(String(err)))
        throw new EngineError(`image ${spec.image} is missing: build it with \`npm run runner:image\``, err);
      throw new EngineError(`cannot start container ${spec.name}`, err);
    }
  }

  async inspect(name: string): Promise<ContainerInfo | undefined> {
    try {
      const c = await this.docker.getContainer(name).inspect();
      const ip = Object.values(c.NetworkSettings.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress;
      return {
        id: c.Id,
        name: c.Name.replace(/^\//, ''),
        labels: c.Config.Labels ?? {},
        running: c.State.Running,
        exitCode: c.State.Running ? null : c.State.ExitCode,
        oomKilled: c.State.OOMKilled,
        ip: c.State.Running ? ip : undefined,
      };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw new EngineError(`cannot inspect container ${name}`, err);
    }
  }

  /** Names of containers (running or not) carrying all the given labels. */
  async listNames(labels: Record<string, string>): Promise<string[]> {
    try {
      const list = await this.docker.listContainers({
        all: true,
        filters: { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) },
      });
      return list.map((c) => (c.Names[0] ?? c.Id).replace(/^\//, ''));
    } catch (err) {
      throw new EngineError('cannot list containers', err);
    }
  }

  /** Containers (running or not) carrying all the given labels, with their engine state. */
  async list(labels: Record<string, string>): Promise<ContainerSummary[]> {
    try {
      const list = await this.docker.listContainers({
        all: true,
        filters: { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) },
      });
      return list.map((c) => ({
        name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
        labels: c.Labels,
        state: c.State,
      }));
    } catch (err) {
      throw new EngineError('cannot list containers', err);
    }
  }

  async rename(name: string, to: string): Promise<void> {
    try {
      await this.docker.getContainer(name).rename({ name: to });
    } catch (err) {
      throw new EngineError(`cannot rename container ${name} to ${to}`, err);
    }
  }

  async start(name: string): Promise<void> {
    try {
      await this.docker.getContainer(name).start();
    } catch (err) {
      // 304: already running.
      if (statusOf(err) !== 304) throw new EngineError(`cannot start container ${name}`, err);
    }
  }

  async signal(name: string, signal: string): Promise<void> {
    try {
      await this.docker.getContainer(name).kill({ signal });
    } catch (err) {
      throw new EngineError(`cannot send ${signal} to ${name}`, err);
    }
  }

  async restart(name: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(name).restart({ t: timeoutSeconds });
    } catch (err) {
      throw new EngineError(`cannot restart container ${name}`, err);
    }
  }

  /**
   * Builds an image from a tar context (a Dockerfile and its files). Offline: the Dockerfile's
   * base is a local image, and the build runs without a network.
   */
  async buildImage(tag: string, context: Buffer, labels: Record<string, string>): Promise<void> {
    try {
      const stream = await this.docker.buildImage(Readable.from([context]), {
        t: tag,
        labels,
        networkmode: 'none',
        rm: true,
        forcerm: true,
      });
      const output = await new Promise<{ error?: string }[]>((resolve, reject) =>
        this.docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) =>
          err ? reject(err) : resolve(out),
        ),
      );
      const failed = output.find((o) => o.error);
      if (failed) throw new Error(failed.error);
    } catch (err) {
      throw new EngineError(`cannot build image ${tag}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  }

  /** Tags (or ids) and labels of images carrying all the given labels. */
  async listImages(labels: Record<string, string>): Promise<{ ref: string; labels: Record<string, string> }[]> {
    try {
      const list = await this.docker.listImages({
        filters: { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) },
      });
      return list.map((i) => ({ ref: i.RepoTags?.[0] ?? i.Id, labels: i.Labels ?? {} }));
    } catch (err) {
      throw new EngineError('cannot list images', err);
    }
  }

  async removeImage(ref: string): Promise<void> {
    try {
      await this.docker.getImage(ref).remove({ force: true });
    } catch (err) {
      if (statusOf(err) !== 404) throw new EngineError(`cannot remove image ${ref}`, err);
    }
  }

  /**
   * Removes volumes with all the given labels that no container uses and that are older than
   * `graceMs`; answers how many. The grace matters: Docker creates a container's anonymous volume
   * just before it attaches it, so a young unused volume may belong to a create in flight. A volume
   * that turns out to be in use by the time it is removed is left alone.
   */
  async removeUnusedVolumes(labels: Record<string, string>, graceMs: number): Promise<number> {
    // CreatedAt is in the engine's answer, not in @types/dockerode's VolumeInspectInfo.
    let volumes: (Docker.VolumeInspectInfo & { CreatedAt?: string })[];
    try {
      ({ Volumes: volumes } = await this.docker.listVolumes({
        filters: { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`), dangling: ['true'] },
      }));
    } catch (err) {
      throw new EngineError('cannot list unused volumes', err);
    }
    let removed = 0;
    for (const v of volumes ?? []) {
      const created = Date.parse(v.CreatedAt ?? '');
      if (!Number.isFinite(created) || Date.now() - created < graceMs) continue;
      try {
        await this.docker.getVolume(v.Name).remove();
        removed++;
      } catch (err) {
        if (statusOf(err) !== 409 && statusOf(err) !== 404)
          throw new EngineError(`cannot remove volume ${v.Name}`, err);
      }
    }
    return removed;
  }

  async remove(name: string): Promise<boolean> {
    try {
      await this.docker.getContainer(name).remove({ force: true, v: true });
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw new EngineError(`cannot remove container ${name}`, err);
    }
  }

  /**
   * Extracts a tar into `dir` with the ownership in its headers. Not `copyUIDGID`: Docker 20.10
   * resolves the container's user against the host's passwd for it, which fails for uid 10001.
   */
  async putArchive(name: string, dir: string, tar: Buffer): Promise<void> {
    try {
      await this.docker.getContainer(name).putArchive(tar, { path: dir });
    } catch (err) {
      throw new EngineError(`cannot write files into ${name}`, err);
    }
  }

  /** The tar Docker produces for `path` (the link itself for a symlink); undefined when absent. */
  async getArchive(name: string, path: string): Promise<Buffer | undefined> {
    try {
      const stream = await this.docker.getContainer(name).getArchive({ path });
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw new EngineError(`cannot read ${path} from ${name}`, err);
    }
  }

  /** Runs argv in the container and collects its output (each stream capped at 1 MiB). */
  async exec(
    name: string,
    cmd: string[],
    opts: { user: string; workdir: string; deadlineMs: number },
  ): Promise<ExecOutput> {
    try {
      const exec = await this.docker.getContainer(name).exec({
        Cmd: cmd,
        AttachStdout: true,
        AttachStderr: true,
        User: opts.user,
        WorkingDir: opts.workdir,
      });
      const stream = await exec.start({ hijack: true, stdin: false });
      const out = new Collector();
      const err = new Collector();
      this.docker.modem.demuxStream(stream, out.sink, err.sink);
      const finished = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), opts.deadlineMs);
        stream.on('end', () => {
          clearTimeout(timer);
          resolve(true);
        });
        stream.on('error', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (!finished) (stream as unknown as { destroy(): void }).destroy();
      const info = await exec.inspect();
      return {
        exitCode: info.Running ? null : info.ExitCode,
        stdout: out.text(),
        stderr: err.text(),
        abandoned: !finished,
      };
    } catch (err) {
      if (statusOf(err) === 409) throw new EngineError(`container ${name} is not running`, err);
      throw new EngineError(`cannot exec in ${name}`, err);
    }
  }

  /**
   * Follows the container's output: one NDJSON line per output line (`{stream, line}`), starting
   * with the last `tail` lines. Ends when the container stops or `signal` aborts.
   */
  async followLogs(name: string, tail: number, signal: AbortSignal): Promise<Readable> {
    let source: NodeJS.ReadableStream;
    try {
      source = await this.docker
        .getContainer(name)
        .logs({ stdout: true, stderr: true, follow: true, tail, abortSignal: signal });
    } catch (err) {
      throw new EngineError(`cannot follow logs of ${name}`, err);
    }
    const out = new PassThrough();
    const lines = (stream: 'stdout' | 'stderr') => {
      let rest = '';
      const sink = new PassThrough();
      sink.on('data', (chunk: Buffer) => {
        const text = rest + chunk.toString('utf8');
        const parts = text.split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) out.write(`${JSON.stringify({ stream, line })}\n`);
      });
      return sink;
    };
    this.docker.modem.demuxStream(source, lines('stdout'), lines('stderr'));
    source.on('end', () => out.end());
    source.on('error', () => out.end());
    signal.addEventListener('abort', () => out.end(), { once: true });
    return out;
  }

  async logs(name: string, tail: number): Promise<{ stdout: string; stderr: string }> {
    try {
      const buf = await this.docker.getContainer(name).logs({ stdout: true, stderr: true, tail, follow: false });
      return demux(buf);
    } catch (err) {
      throw new EngineError(`cannot read logs of ${name}`, err);
    }
  }
}

class Collector {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  readonly sink = new PassThrough();

  constructor() {
    this.sink.on('data', (chunk: Buffer) => {
      if (this.size >= MAX_OUTPUT) return;
      this.chunks.push(chunk.subarray(0, MAX_OUTPUT - this.size));
      this.size += chunk.length;
    });
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
