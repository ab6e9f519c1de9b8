import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ZFilePathQuery, ZInstanceId, ZLogsQuery, ZInstanceErrorsQuery, ok } from '@kiln/contracts';
import type { InstanceService } from './instance.service.js';

type Req = FastifyRequest<{ Params: { id: string }; Querystring: Record<string, string>; Body: never }>;
const id = (req: Req) => ZInstanceId.parse(req.params.id);
const path = (req: Req) => ZFilePathQuery.parse(req.query).path;

export function instanceRoutes(app: FastifyInstance, instances: InstanceService): void {
  app.post('/instances', async (req: Req, reply) => reply.code(201).send(ok(await instances.create(req.body))));
  app.get('/instances', async (req: Req) => ok(await instances.list(req.query['userId'])));
  app.get('/instances/:id', async (req: Req) => ok(await instances.get(id(req))));
  app.delete('/instances/:id', async (req: Req) => ok(await instances.remove(id(req))));
  app.post('/instances/:id/restart', async (req: Req) => ok(await instances.restart(id(req))));
  app.post('/instances/:id/reload', async (req: Req) => ok(await instances.reload(id(req))));
  app.put('/instances/:id/files', async (req: Req) => ok(await instances.writeFiles(id(req), req.body)));
  app.get('/instances/:id/files', async (req: Req) => ok(await instances.readFile(id(req), path(req))));
  app.delete('/instances/:id/files', async (req: Req) => ok(await instances.deleteFile(id(req), path(req))));
  app.post('/instances/:id/exec', async (req: Req) => ok(await instances.exec(id(req), req.body)));
  app.post('/instances/:id/analyze', async (req: Req) => ok(await instances.analyze(id(req))));
  app.get('/instances/:id/errors', async (req: Req) =>
    ok(await instances.errors(id(req), ZInstanceErrorsQuery.parse(req.query).since)),
  );
  app.get('/instances/:id/logs', async (req: Req, reply) => {
    const query = ZLogsQuery.parse(req.query);
    if (!query.follow) return ok(await instances.logs(id(req), query.tail));
    const gone = new AbortController();
    req.raw.on('close', () => gone.abort());
    const stream = await instances.followLogs(id(req), query.tail, gone.signal);
    return reply.type('application/x-ndjson').send(stream);
  });
}
