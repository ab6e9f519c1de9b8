import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { type TAppFile, ZInstanceId } from '@kiln/contracts';
import type { RunnerConfig } from '../config.js';
import type { InstanceContainerSpec } from '../docker/container-spec.js';
import type { DockerEngine, NetworkInfo } from '../docker/docker-engine.js';
import type { HostFirewall } from '../docker/host-firewall.js';
import { InstanceCapError } from '../errors.js';
import type { RunnerMetrics } from '../metrics.js';
import type { FileService } from './file.service.js';
import { type Identity, IdentityStore } from './identity.js';
import { WarmPool } from './warm-pool.js';

/** Host name instances reach the binding gateway at (the host's address on their network). */
export const GATEWAY_HOST_NAME = 'kiln-gateway';
/** Suffix of a container whose create has not finished; one left behind by a crash is an orphan. */
export const CREATING_SUFFIX = '-creating';

export const ownLabels = (runner: string): Record<string, string> => ({
  'kiln.managed': 'true',
  'kiln.runner': runner,
});
export const networkName = (runner: string) => `${runner}-instances`;
export const containerName = (runner: string, id: string) => `${runner}-${ZInstanceId.parse(id)}`;
/** Image of a published instance: the runtime image plus its app. */
export const appImage = (runner: string, id: string) => `kiln-app/${runner}-${ZInstanceId.parse(id)}:1`;

/** What the caps count: this runner's instance containers with their owners. */
export type ListInstances = () => Promise<{ identity: Identity | undefined }[]>;

/**
 * Making instance containers: the network and its firewall, the caps, warm starts from the pool
 * and cold starts (previews on a tmpfs /app, published instances from an image of their own).
 * Creates are serialized only for the caps check and the reservation; the slow parts run
 * concurrently.
 */
export class InstanceCreator {
  private createQueue: Promise<unknown> = Promise.resolve();
  private networkReady: Promise<NetworkInfo> | undefined;
  /** Creates in progress: instance id → user (counted by the caps). */
  private readonly creating = new Map<string, string>();
  readonly pool: WarmPool;

  constructor(
    private readonly engine: DockerEngine,
    private readonly files: FileService,
    private readonly firewall: HostFirewall,
    private readonly metrics: RunnerMetrics,
    private readonly config: RunnerConfig,
    private readonly identities: IdentityStore,
    private readonly listInstances: ListInstances,
    private readonly log: FastifyBaseLogger,
  ) {
    this.pool = new WarmPool(
      config.RUNNER_NAME,
      config.WARM_POOL_SIZE,
      (name, id) => this.createPoolContainer(name, id),
      log,
    );
  }

  isCreating(id: string): boolean {
    return this.creating.has(id);
  }

  /**
   * Creates the instance's container with its app written in; a preview with files starts warm
   * when the pool has a container. Answers the new id and how it started.
   */
  async create(
    identity: Identity,
    env: Record<string, string>,
    files: TAppFile[],
  ): Promise<{ id: string; start: 'warm' | 'cold' }> {
    const warm = identity.class === 'preview' && files.length > 0 ? await this.reserveWarm(identity) : undefined;
    if (warm) {
      try {
        await this.claimWarm(warm.name, warm.id, identity, env, files);
        return { id: warm.id, start: 'warm' };
      } catch (err) {
        // A pool container that went away (engine restart, manual removal) costs a cold start,
        // not the create.
        this.log.warn({ err, container: warm.name }, 'warm pool: claim failed; starting cold');
      } finally {
        this.creating.delete(warm.id);
        this.pool.refill();
      }
    }
    const id = await this.reserveCold(identity);
    try {
      await this.createCold(id, identity, env, files);
    } finally {
      this.creating.delete(id);
    }
    return { id, start: 'cold' };
  }

  /**
   * The instance network and its host firewall, set up once per runner process (and again when
   * the network was removed under us). Every create goes through here, so no container starts on
   * a network whose isolation from host services failed.
   */
  async ensureNetwork(): Promise<NetworkInfo> {
    this.networkReady ??= (async () => {
      const info = await this.engine.ensureNetwork(
        networkName(this.config.RUNNER_NAME),
        ownLabels(this.config.RUNNER_NAME),
      );
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
    const instances = await this.listInstances();
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
      await this.engine.rename(name, containerName(this.config.RUNNER_NAME, id));
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
      ...ownLabels(this.config.RUNNER_NAME),
      'kiln.instance': id,
      'kiln.app': identity.app,
      'kiln.user': identity.user,
      'kiln.class': identity.class,
      'kiln.created': identity.created,
    };
    // A published instance runs from an image with its app inside: nothing to lose when its
    // container restarts (a preview's /app is a tmpfs volume, emptied by a stop).
    const image = published ? appImage(this.config.RUNNER_NAME, id) : this.config.RUNTIME_IMAGE;
    if (published)
      await this.engine.buildImage(image, this.files.imageContext(files, this.config.RUNTIME_IMAGE), labels);
    const creating = `${containerName(this.config.RUNNER_NAME, id)}${CREATING_SUFFIX}`;
    try {
      const network = await this.ensureNetwork();
      // Created under a temporary name, renamed once its files are in: a runner that dies in
      // between leaves a `-creating` container, which reconciliation removes as an orphan.
      await this.engine.createInstance({
        ...this.limits(),
        name: creating,
        image,
        appVolume: !published,
        network: networkName(this.config.RUNNER_NAME),
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
      await this.engine.rename(creating, containerName(this.config.RUNNER_NAME, id));
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
      network: networkName(this.config.RUNNER_NAME),
      hosts: { [GATEWAY_HOST_NAME]: network.gateway },
      labels: {
        ...ownLabels(this.config.RUNNER_NAME),
        'kiln.instance': id,
        'kiln.pool': 'true',
        'kiln.created': new Date().toISOString(),
      },
      env: { KILN_GATEWAY_URL: this.config.GATEWAY_URL },
      restartOnFailure: false,
    });
  }

  /** The engine-enforced limits every instance container gets. */
  private limits(): Pick<InstanceContainerSpec, 'memoryMb' | 'cpus' | 'pids' | 'diskMb' | 'tmpMb'> {
    return {
      memoryMb: this.config.INSTANCE_MEMORY_MB,
      cpus: this.config.INSTANCE_CPUS,
      pids: this.config.INSTANCE_PIDS,
      diskMb: this.config.INSTANCE_DISK_MB,
      tmpMb: this.config.INSTANCE_TMP_MB,
    };
  }
}
