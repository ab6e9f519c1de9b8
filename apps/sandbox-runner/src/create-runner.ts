import { createServer } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { fail } from '@kiln/contracts';
import { ZodError } from 'zod';
import type { RunnerConfig } from './config.js';
import { DockerEngine } from './docker/docker-engine.js';
import { RunnerError } from './errors.js';
import { healthRoutes } from './health/health.routes.js';
import { requireServiceToken } from './instances/auth.js';
import { FileService } from './instances/file.service.js';
import { instanceRoutes } from './instances/instance.routes.js';
import { InstanceService } from './instances/instance.service.js';
import { HostFirewall } from './docker/host-firewall.js';
import { Supervisor } from './instances/supervisor.js';
import { WarmPool } from './instances/warm-pool.js';
import { RunnerMetrics } from './metrics.js';
import { openApiRoutes } from './openapi.js';
import { PreviewProxy } from './proxy/preview-proxy.js';
import { previewRoutes } from './proxy/preview.routes.js';

/**
 * The runner is a small HTTP service in front of the Docker engine and a reverse proxy to
 * previews: Fastify gives it routing, schemas and pino logging without a DI container.
 */
export function createRunner(config: RunnerConfig): FastifyInstance {
  // Filled once the proxy exists (below); requests only arrive after createRunner returns.
  const hosts: { proxy?: PreviewProxy } = {};
  const app = Fastify({
    // Requests on a preview host (`<id>.<PREVIEW_DOMAIN>`) go straight to the proxy, so none of
    // the app's paths can be shadowed by the runner's own routes.
    serverFactory: (handler) =>
      createServer((req, res) => {
        const id = hosts.proxy?.previewHostId(req);
        if (id) void hosts.proxy?.serveHost(id, req, res);
        else handler(req, res);
      }),
    logger: { level: config.LOG_LEVEL, base: { service: 'sandbox-runner' } },
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    // Files arrive base64 in JSON; the per-file limit is checked by the file service.
    bodyLimit: 64 * 1024 * 1024,
  });
  app.addHook('onSend', (req, reply, _payload, done) => {
    void reply.header('x-request-id', req.id);
    done();
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send(fail({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url}`, requestId: req.id })),
  );
  // The one place errors become HTTP answers.
  app.setErrorHandler((err: { statusCode?: number; message: string }, req, reply) => {
    if (err instanceof RunnerError) {
      if (err.status >= 500) req.log.error({ err }, 'request failed');
      return reply.code(err.status).send(fail({ code: err.code, message: err.message, requestId: req.id }));
    }
    if (err instanceof ZodError) {
      const details = err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      return reply.code(400).send(
        fail({
          code: 'VALIDATION_FAILED',
          message: details.map((d) => `${d.path || 'body'}: ${d.message}`).join('; '),
          details,
          requestId: req.id,
        }),
      );
    }
    const status = err.statusCode ?? 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    return reply.code(status).send(
      fail({
        code: status >= 500 ? 'INTERNAL' : 'BAD_REQUEST',
        message: status >= 500 ? 'internal error' : err.message,
        requestId: req.id,
      }),
    );
  });
  const docker = new DockerEngine(config.DOCKER_SOCKET);
  const metrics = new RunnerMetrics(() => countInstances(docker, { 'kiln.runner': config.RUNNER_NAME }));
  const instances = new InstanceService(
    docker,
    new FileService(docker, config.INSTANCE_MAX_FILE_BYTES),
    new HostFirewall(config.RUNNER_HOST_FIREWALL === 'iptables'),
    metrics,
    config,
    app.log,
  );
  const previews = new PreviewProxy(instances, instances.failures, config.PREVIEW_DOMAIN);
  hosts.proxy = previews;
  const supervisor = new Supervisor(docker, instances, metrics, config, app.log);
  // Reconciliation needs the service token's API to be meaningful: without it nothing is created.
  if (config.RUNNER_TOKEN) {
    app.addHook('onReady', (done) => {
      supervisor.start();
      done();
    });
    app.addHook('onClose', async () => {
      supervisor.stop();
      // A pool container being created now would otherwise appear after the runner has gone.
      await instances.pool.close();
    });
  }
  app.decorate('supervisor', supervisor);
  metrics.routes(app);
  openApiRoutes(app);
  healthRoutes(app, { docker, timeoutMs: config.READINESS_TIMEOUT_MS });
  void app.register((scope, _opts, done) => {
    scope.addHook('onRequest', requireServiceToken(config.RUNNER_TOKEN));
    instanceRoutes(scope, instances);
    done();
  });
  void app.register((scope, _opts, done) => {
    previewRoutes(scope, previews);
    done();
  });
  app.server.on('upgrade', (req, socket, head) => void previews.upgrade(req, socket, head));
  return app;
}

async function countInstances(
  docker: DockerEngine,
  labels: Record<string, string>,
): Promise<{ state: string; class: string; count: number }[]> {
  const counts = new Map<string, { state: string; class: string; count: number }>();
  for (const c of await docker.list(labels)) {
    const cls = WarmPool.isPoolName(c.name) ? 'pool' : (c.labels['kiln.class'] ?? 'preview');
    const key = `${c.state}/${cls}`;
    const row = counts.get(key) ?? { state: c.state, class: cls, count: 0 };
    row.count++;
    counts.set(key, row);
  }
  return [...counts.values()];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Reconciliation and the idle reaper (tests call `sweep()` to run a pass now). */
    supervisor: Supervisor;
  }
}
