import type { FastifyInstance } from 'fastify';
import {
  ZApiError,
  ZCreateInstance,
  ZEnvelope,
  ZExecRequest,
  ZExecResult,
  ZFileContent,
  ZInstance,
  ZInstanceLogs,
  ZReloadResult,
  ZInstanceError,
  ZStaticAnalysis,
  ZWriteFiles,
} from '@kiln/contracts';
import { z } from 'zod';

type Schema = z.ZodType;
interface Operation {
  summary: string;
  body?: Schema;
  ok: { status: number; data: Schema };
  query?: Record<string, { schema: object; description: string }>;
}

const ID = z.object({ id: z.string() });
const json = (s: Schema, io: 'input' | 'output') => z.toJSONSchema(s, { io, unrepresentable: 'any' });
const pathQuery = {
  path: { schema: { type: 'string' }, description: 'File path relative to the app folder (no `..`, not absolute).' },
};

/**
 * The runner's REST contract, generated from the zod schemas in libs/contracts that the routes
 * parse with, so it cannot drift from what the runner accepts. Served at `/openapi.json`.
 */
export const OPERATIONS: Record<string, Record<string, Operation>> = {
  '/instances': {
    post: {
      summary: 'Create an instance (preview or published) from a template and/or files; answers once ready.',
      body: ZCreateInstance,
      ok: { status: 201, data: ZInstance },
    },
    get: {
      summary: 'List instances, optionally of one user.',
      ok: { status: 200, data: z.array(ZInstance) },
      query: { userId: { schema: { type: 'string' }, description: 'Only this user’s instances.' } },
    },
  },
  '/instances/{id}': {
    get: { summary: 'One instance with its state (probed).', ok: { status: 200, data: ZInstance } },
    delete: { summary: 'Remove the instance, its volume and image.', ok: { status: 200, data: ID } },
  },
  '/instances/{id}/restart': {
    post: {
      summary: 'Restart the instance’s container (a preview keeps its files); answers once ready.',
      ok: { status: 200, data: ZInstance },
    },
  },
  '/instances/{id}/reload': {
    post: {
      summary:
        'Apply the app’s current files now (after a build run with exec) and answer once the runtime has: `reloaded`, or the reload error while the previous version keeps serving.',
      ok: { status: 200, data: ZReloadResult },
    },
  },
  '/instances/{id}/files': {
    put: {
      summary: 'Write files into a preview’s app folder (published instances are immutable: 409).',
      body: ZWriteFiles,
      ok: { status: 200, data: z.object({ written: z.number() }) },
    },
    get: { summary: 'Read one file (base64).', ok: { status: 200, data: ZFileContent }, query: pathQuery },
    delete: {
      summary: 'Delete one file or folder of a preview.',
      ok: { status: 200, data: z.object({ deleted: z.string() }) },
      query: pathQuery,
    },
  },
  '/instances/{id}/exec': {
    post: {
      summary: 'Run a command (argv, no shell) as the app user with a timeout; output captured.',
      body: ZExecRequest,
      ok: { status: 200, data: ZExecResult },
    },
  },
  '/instances/{id}/analyze': {
    post: {
      summary:
        'Static analysis of the app in its container (tsc with its tsconfig), in VibeSDK’s shape; `error` says when the analyzer could not run.',
      ok: { status: 200, data: ZStaticAnalysis },
    },
  },
  '/instances/{id}/errors': {
    get: {
      summary:
        'The app’s errors: console errors and warnings, runtime errors (failed reloads), and 5xx answers through the preview proxy (body excerpt).',
      ok: { status: 200, data: z.array(ZInstanceError) },
      query: { since: { schema: { type: 'string', format: 'date-time' }, description: 'Only errors from then on.' } },
    },
  },
  '/instances/{id}/logs': {
    get: {
      summary:
        'The last lines of the instance’s stdout and stderr; with `follow=true`, an `application/x-ndjson` stream of `{stream, line}` until the instance stops or the client disconnects.',
      ok: { status: 200, data: ZInstanceLogs },
      query: {
        tail: { schema: { type: 'integer', minimum: 1, maximum: 10000 }, description: 'Lines (500).' },
        follow: { schema: { type: 'boolean' }, description: 'Stream as NDJSON.' },
      },
    },
  },
};

export function openApiDocument(): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const [path, ops] of Object.entries(OPERATIONS)) {
    paths[path] = {};
    for (const [method, op] of Object.entries(ops)) {
      const parameters = [
        ...(path.includes('{id}')
          ? [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-f0-9]{16}$' } }]
          : []),
        ...Object.entries(op.query ?? {}).map(([name, q]) => ({
          name,
          in: 'query',
          required: name === 'path',
          description: q.description,
          schema: q.schema,
        })),
      ];
      paths[path][method] = {
        summary: op.summary,
        ...(parameters.length ? { parameters } : {}),
        ...(op.body
          ? { requestBody: { required: true, content: { 'application/json': { schema: json(op.body, 'input') } } } }
          : {}),
        responses: {
          [op.ok.status]: {
            description: 'Success envelope.',
            content: { 'application/json': { schema: json(ZEnvelope(op.ok.data), 'output') } },
          },
          default: {
            description:
              'Error envelope: 400 validation, 401 token, 404 unknown instance, 409 not running / immutable, 413 file too large, 429 instance cap, 503 engine.',
            content: {
              'application/json': {
                schema: json(z.object({ success: z.literal(false), data: z.null(), error: ZApiError }), 'output'),
              },
            },
          },
        },
        security: [{ serviceToken: [] }],
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Kiln sandbox runner',
      version: '0.1.0',
      description:
        'Preview and published-app instances on a Docker engine. Previews are also served at `/preview/{id}/…` (HTTP and WebSocket, no token).',
    },
    components: { securitySchemes: { serviceToken: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}

export function openApiRoutes(app: FastifyInstance): void {
  const document = openApiDocument();
  app.get('/openapi.json', { logLevel: 'silent' }, () => document);
}
