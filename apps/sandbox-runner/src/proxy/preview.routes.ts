import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PreviewProxy } from './preview-proxy.js';

/**
 * Preview traffic bypasses Fastify's body parsing (the body streams through untouched) and its
 * reply pipeline (the upstream's status and headers are passed on as they are). The target is
 * resolved before the hand-over, so unknown or stopped instances still get the error envelope.
 */
export function previewRoutes(app: FastifyInstance, proxy: PreviewProxy): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const target = await proxy.resolve(req.raw.url ?? '/');
    void reply.hijack();
    proxy.forward(req.raw, reply.raw, target);
  };
  app.all('/preview/:id', handler);
  app.all('/preview/:id/*', handler);
}
