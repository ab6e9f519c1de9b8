import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runnerEnv } from './config.js';
import { createRunner } from './create-runner.js';
import { OPERATIONS } from './openapi.js';

describe('sandbox runner HTTP surface', () => {
  const app = createRunner(
    runnerEnv.parse({ LOG_LEVEL: 'silent', DOCKER_SOCKET: '/nonexistent/docker.sock', READINESS_TIMEOUT_MS: '500' }),
  );

  it('/healthz is up without the engine', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json<{ data: { service: string } }>().data.service, 'sandbox-runner');
  });

  it('/readyz answers 503 and says why when the Docker engine is unreachable', async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 503);
    const check = res.json<{ data: { checks: { docker: { status: string; error: string } } } }>().data.checks.docker;
    assert.equal(check.status, 'fail');
    assert.match(check.error, /nonexistent\/docker\.sock/);
  });

  it('unknown routes answer the error envelope with a request id', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': 'r-1' } });
    assert.equal(res.statusCode, 404);
    assert.equal(res.headers['x-request-id'], 'r-1');
    assert.deepEqual(res.json(), {
      success: false,
      data: null,
      error: { code: 'NOT_FOUND', message: 'no route GET /nope', requestId: 'r-1' },
    });
  });

  it('the instances API answers 503 while RUNNER_TOKEN is unset', async () => {
    const res = await app.inject({ method: 'GET', url: '/instances' });
    assert.equal(res.statusCode, 503);
    assert.match(res.json<{ error: { message: string } }>().error.message, /RUNNER_TOKEN/);
  });

  it('/openapi.json documents every instances route with the contract schemas', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json<{ paths: Record<string, Record<string, { requestBody?: { content: object } }>> }>();
    assert.deepEqual(Object.keys(doc.paths).sort(), Object.keys(OPERATIONS).sort());
    for (const [path, ops] of Object.entries(OPERATIONS))
      for (const method of Object.keys(ops))
        assert.ok(
          app.hasRoute({ method: method.toUpperCase(), url: path.replace('{id}', ':id') }),
          `${method} ${path} is documented but not served`,
        );
    const create = JSON.stringify(doc.paths['/instances']?.['post']?.requestBody?.content);
    assert.match(create, /"appId"/);
    assert.match(create, /"published"/);
  });

  it('/metrics counts requests by route', async () => {
    await app.inject({ method: 'GET', url: '/healthz' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.match(res.body, /kiln_http_request_duration_seconds_count\{[^}]*route="\/healthz"/);
  });
});
