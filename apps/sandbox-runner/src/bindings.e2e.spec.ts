import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { TInstance } from '@kiln/contracts';
import { appToken } from '@kiln/storage';
import { type KilnStack, startKilnStack } from '@kiln/storage/testing';
import { ensureImage, removeRunnerResources, skipWithoutDocker, testRunner } from './testing/docker-fixture.js';

const TOKEN = randomBytes(24).toString('hex');
const RUNNER_NAME = `kb-${randomBytes(4).toString('hex')}`;
const APP_ID = `todos-${randomBytes(3).toString('hex')}`;

const files = [
  {
    path: 'wrangler.jsonc',
    content: JSON.stringify({
      name: 'todos',
      main: 'src/index.js',
      compatibility_date: '2025-01-01',
      d1_databases: [{ binding: 'DB', database_name: 'todos', database_id: 'todos-db' }],
      kv_namespaces: [{ binding: 'KV', id: 'meta' }],
    }),
  },
  {
    path: 'src/index.js',
    content: `export default {
  async fetch(req, env) {
    await env.DB.exec('CREATE TABLE IF NOT EXISTS todos (id INTEGER PRIMARY KEY, title TEXT NOT NULL)');
    if (req.method === 'POST') {
      const { title } = await req.json();
      const row = await env.DB.prepare('INSERT INTO todos (title) VALUES (?) RETURNING id, title').bind(title).first();
      await env.KV.put('last', title);
      return Response.json(row, { status: 201 });
    }
    const { results } = await env.DB.prepare('SELECT id, title FROM todos ORDER BY id').all();
    return Response.json({ todos: results, last: await env.KV.get('last') });
  },
};`,
  },
];

describe(
  'a preview with D1 and KV bindings, served by the gateway through the host firewall',
  { skip: skipWithoutDocker },
  () => {
    let stack: KilnStack;
    let app: FastifyInstance;
    let base = '';

    const create = async (): Promise<TInstance> => {
      const res = await app.inject({
        method: 'POST',
        url: '/instances',
        headers: { authorization: `Bearer ${TOKEN}` },
        payload: { appId: APP_ID, userId: 'dana', files, gatewayToken: appToken(stack.secret, APP_ID) },
      });
      const body = res.json<{ data: TInstance; error: unknown }>();
      assert.equal(body.data?.state, 'ready', JSON.stringify(body.error));
      return body.data;
    };

    before(async () => {
      ensureImage();
      // Listening on every interface: containers reach it at the bridge address, as `kiln-gateway`.
      stack = await startKilnStack({ blobs: 'fs', host: '0.0.0.0' });
      app = testRunner(RUNNER_NAME, TOKEN, {
        GATEWAY_URL: `http://kiln-gateway:${new URL(stack.gatewayUrl).port}`,
      });
      await app.listen({ host: '127.0.0.1', port: 0 });
      base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    });

    after(async () => {
      await app?.close();
      await removeRunnerResources(RUNNER_NAME);
      await stack?.close();
    });

    it('writes and reads todos through the real bindings; the data outlives the container', async () => {
      const first = await create();
      for (const title of ['buy milk', 'write tests']) {
        const res = await fetch(`${base}/preview/${first.id}/todos`, {
          method: 'POST',
          body: JSON.stringify({ title }),
        });
        assert.equal(res.status, 201, await res.clone().text());
      }
      const expected = {
        todos: [
          { id: 1, title: 'buy milk' },
          { id: 2, title: 'write tests' },
        ],
        last: 'write tests',
      };
      assert.deepEqual(await (await fetch(`${base}/preview/${first.id}/todos`)).json(), expected);

      // The rows are in the app's D1 database on Postgres, not in the container.
      assert.deepEqual(await stack.d1.listTables({ appId: APP_ID, resourceId: 'todos-db' }), [
        { name: 'todos', rows: 2 },
      ]);

      await app.inject({
        method: 'DELETE',
        url: `/instances/${first.id}`,
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const second = await create();
      assert.deepEqual(await (await fetch(`${base}/preview/${second.id}/todos`)).json(), expected);
    });
  },
);
