import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type ReaperAction = 'removed_idle' | 'removed_orphan' | 'removed_volume' | 'started_published';

/** The runner's Prometheus metrics; the instance gauge reads the engine at scrape time. */
export class RunnerMetrics {
  readonly registry = new Registry();
  readonly createSeconds: Histogram<'class' | 'start'>;
  readonly readySeconds: Histogram<'class' | 'start'>;
  readonly reaperActions: Counter<'action'>;
  readonly quotaRejections: Counter<'scope'>;
  private readonly httpSeconds: Histogram<'method' | 'route' | 'status'>;

  constructor(countInstances: () => Promise<{ state: string; class: string; count: number }[]>) {
    this.registry.setDefaultLabels({ service: 'sandbox-runner' });
    collectDefaultMetrics({ register: this.registry, prefix: 'kiln_' });
    const registers = [this.registry];
    this.httpSeconds = new Histogram({
      name: 'kiln_http_request_duration_seconds',
      help: 'HTTP request duration by method, route and status code.',
      labelNames: ['method', 'route', 'status'] as const,
      registers,
    });
    const buckets = [0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30];
    this.createSeconds = new Histogram({
      name: 'kiln_instance_create_seconds',
      help: 'Time from a create request to its container running with the app written, by class and start (cold or warm pool).',
      labelNames: ['class', 'start'] as const,
      buckets,
      registers,
    });
    this.readySeconds = new Histogram({
      name: 'kiln_instance_ready_seconds',
      help: 'Time from a create request to the app answering HTTP inside its container, by class and start.',
      labelNames: ['class', 'start'] as const,
      buckets,
      registers,
    });
    this.reaperActions = new Counter({
      name: 'kiln_reaper_actions_total',
      help: 'What reconciliation and the idle reaper did.',
      labelNames: ['action'] as const,
      registers,
    });
    this.quotaRejections = new Counter({
      name: 'kiln_quota_rejections_total',
      help: 'Instance creates refused by a cap, by scope (user or runner).',
      labelNames: ['scope'] as const,
      registers,
    });
    new Gauge({
      name: 'kiln_instances',
      help: 'Instance containers of this runner by engine state and class.',
      labelNames: ['state', 'class'] as const,
      registers,
      async collect() {
        this.reset();
        // A scrape while the engine is down still answers, without this gauge's samples.
        for (const row of await countInstances().catch(() => []))
          this.set({ state: row.state, class: row.class }, row.count);
      },
    });
  }

  routes(app: FastifyInstance): void {
    app.addHook('onResponse', (req, reply, done) => {
      this.httpSeconds.observe(
        { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
      done();
    });
    app.get('/metrics', async (_req, reply) =>
      reply.type(this.registry.contentType).send(await this.registry.metrics()),
    );
  }
}
