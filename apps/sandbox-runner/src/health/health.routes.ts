import type { FastifyInstance } from 'fastify';
import { ok, type TDependencyCheck, type TReadiness } from '@kiln/contracts';
import type { DockerEngine } from '../docker/docker-engine.js';

const VERSION = process.env['npm_package_version'] ?? '0.1.0';

export function healthRoutes(app: FastifyInstance, deps: { docker: DockerEngine; timeoutMs: number }): void {
  const startedAt = Date.now();

  app.get('/healthz', { logLevel: 'silent' }, () =>
    ok({
      status: 'ok' as const,
      service: 'sandbox-runner',
      version: VERSION,
      uptimeSeconds: (Date.now() - startedAt) / 1000,
    }),
  );

  app.get('/readyz', { logLevel: 'silent' }, async (_req, reply) => {
    const docker = await check(() => deps.docker.version(), deps.timeoutMs);
    const report: TReadiness = { status: docker.status, checks: { docker } };
    return reply.code(docker.status === 'ok' ? 200 : 503).send(ok(report));
  });
}

async function check(probe: () => Promise<unknown>, timeoutMs: number): Promise<TDependencyCheck> {
  const start = performance.now();
  const latency = () => Math.round((performance.now() - start) * 100) / 100;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref(),
      ),
    ]);
    return { status: 'ok', latencyMs: latency() };
  } catch (err) {
    return { status: 'fail', latencyMs: latency(), error: err instanceof Error ? err.message : String(err) };
  }
}
