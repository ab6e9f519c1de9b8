import Fastify, { type FastifyInstance } from 'fastify';
import { fail } from '@kiln/contracts';
import type { RunnerConfig } from './config.js';
import { DockerEngine } from './docker/docker-engine.js';
import { healthRoutes } from './health/health.routes.js';
import { metricsRoutes } from './metrics.js';

/**
 * The runner is a small HTTP service in front of the Docker engine and a reverse proxy to
 * previews: Fastify gives it routing, schemas and pino logging without a DI container.
 */
export function createRunner(config: RunnerConfig): FastifyInstance {
  const app = Fastify({
    logger: { level: config.LOG_LEVEL, base: { service: 'sandbox-runner' } },
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
  });
  app.addHook('onSend', (req, reply, _payload, done) => {
    void reply.header('x-request-id', req.id);
    done();
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send(fail({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url}`, requestId: req.id })),
  );
  app.setErrorHandler((err: { statusCode?: number; message: string }, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    return reply
      .code(status)
      .send(
        fail({
          code: status >= 500 ? 'INTERNAL' : 'BAD_REQUEST',
          message: status >= 500 ? 'internal error' : err.message,
          requestId: req.id,
        }),
      );
  });
  metricsRoutes(app);
  healthRoutes(app, { docker: new DockerEngine(config.DOCKER_SOCKET), timeoutMs: config.READINESS_TIMEOUT_MS });
  return app;
}
