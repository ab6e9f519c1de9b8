import type { FastifyBaseLogger } from 'fastify';
import type { RunnerConfig } from '../config.js';
import type { DockerEngine } from '../docker/docker-engine.js';
import type { RunnerMetrics } from '../metrics.js';
import { CREATING_SUFFIX } from './instance-creator.js';
import type { InstanceService } from './instance.service.js';
import { WarmPool } from './warm-pool.js';

/** An unused volume younger than this may belong to a create in flight (see removeUnusedVolumes). */
const VOLUME_GRACE_MS = 5 * 60_000;

export interface SweepReport {
  removedIdle: string[];
  removedOrphans: string[];
  startedPublished: string[];
  removedVolumes: number;
}

/**
 * Keeps the engine and the runner's intent in line, on start and then every REAPER_INTERVAL_MS:
 *
 * - containers the runner runs are adopted as they are (their labels say everything);
 * - orphans are removed: containers left `-creating` by a runner that died mid-create, and
 *   volumes of this runner that no container uses;
 * - published instances that are not running are started (Docker's on-failure policy restarts
 *   them after a crash, but not after an engine restart or a stop);
 * - previews unused for PREVIEW_IDLE_TTL_MS are removed (running or exited);
 * - the warm pool adopts free pool containers it finds running and is topped up.
 */
export class Supervisor {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<SweepReport> | undefined;

  constructor(
    private readonly engine: DockerEngine,
    private readonly instances: InstanceService,
    private readonly metrics: RunnerMetrics,
    private readonly config: RunnerConfig,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(): void {
    const tick = () => {
      this.sweep()
        .catch((err: unknown) => this.log.error({ err }, 'reconciliation failed; retrying next interval'))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.config.REAPER_INTERVAL_MS).unref();
        });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Resolves once the warm pool is full (or its fill failed): for tests and benchmarks. */
  poolSettled(): Promise<void> {
    return this.instances.pool.settled();
  }

  /** One pass; concurrent callers share it. */
  sweep(): Promise<SweepReport> {
    this.sweeping ??= this.pass().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async pass(): Promise<SweepReport> {
    const report: SweepReport = { removedIdle: [], removedOrphans: [], startedPublished: [], removedVolumes: 0 };
    // Published instances need their network (and its firewall) before they can start.
    await this.instances.ensureNetwork();
    const containers = await this.engine.list(this.instances.ownLabels);
    const now = Date.now();
    const pool = this.instances.pool;
    for (const c of containers) {
      const id = c.labels['kiln.instance'] ?? '';
      if (WarmPool.isPoolName(c.name)) {
        if (pool.isPending(c.name) || (pool.has(c.name) && c.state === 'running')) continue;
        // Taken by a create in progress (its claim writes the identity, then renames it).
        if (this.instances.isCreating(id)) continue;
        // A free container from before a restart is adopted; a stopped, surplus or half-claimed
        // one (its identity already written) goes.
        const free = c.state === 'running' && !(await this.instances.identityOf(c));
        if (free && pool.adopt(c.name)) continue;
        pool.drop(c.name);
        await this.engine.remove(c.name);
        report.removedOrphans.push(id);
        this.metrics.reaperActions.inc({ action: 'removed_orphan' });
        continue;
      }
      if (c.name.endsWith(CREATING_SUFFIX)) {
        // Only this process creates this runner's containers: one not in progress here was left
        // by a runner that died mid-create.
        if (this.instances.isCreating(id)) continue;
        await this.engine.remove(c.name);
        report.removedOrphans.push(id);
        this.metrics.reaperActions.inc({ action: 'removed_orphan' });
        continue;
      }
      if (c.labels['kiln.class'] === 'published') {
        if (c.state !== 'running' && c.state !== 'restarting') {
          await this.engine.start(c.name);
          report.startedPublished.push(id);
          this.metrics.reaperActions.inc({ action: 'started_published' });
        }
        continue;
      }
      if (now - this.instances.lastUsedAt(id) >= this.config.PREVIEW_IDLE_TTL_MS) {
        await this.engine.remove(c.name);
        this.instances.forget(id);
        report.removedIdle.push(id);
        this.metrics.reaperActions.inc({ action: 'removed_idle' });
      }
    }
    // Images of published instances whose container is gone (removed, or a create that died).
    const live = new Set(containers.map((c) => c.labels['kiln.instance']));
    for (const image of await this.engine.listImages(this.instances.ownLabels)) {
      const id = image.labels['kiln.instance'] ?? '';
      if (live.has(id) || this.instances.isCreating(id)) continue;
      await this.engine.removeImage(image.ref);
      report.removedOrphans.push(id);
      this.metrics.reaperActions.inc({ action: 'removed_orphan' });
    }
    report.removedVolumes = await this.engine.removeUnusedVolumes(this.instances.ownLabels, VOLUME_GRACE_MS);
    if (report.removedVolumes) this.metrics.reaperActions.inc({ action: 'removed_volume' }, report.removedVolumes);
    pool.refill();
    const acted =
      report.removedIdle.length + report.removedOrphans.length + report.startedPublished.length + report.removedVolumes;
    if (acted > 0) this.log.info({ ...report, adopted: containers.length }, 'reconciled with the engine');
    return report;
  }
}
