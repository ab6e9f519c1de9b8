import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { runnerEnv } from './config.js';
import { createRunner } from './create-runner.js';

const socket = process.env['DOCKER_SOCKET'] ?? '/var/run/docker.sock';
// .ci/run starts dockerd; on a developer machine without an engine this test is skipped, in CI it fails.
const skip = !existsSync(socket) && !process.env['CI'] ? `no Docker engine at ${socket}` : undefined;

describe('sandbox runner with a real Docker engine', { skip }, () => {
  it('/readyz reports the engine ok', async () => {
    const app = createRunner(runnerEnv.parse({ LOG_LEVEL: 'silent', DOCKER_SOCKET: socket }));
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json<{ data: { checks: { docker: { status: string } } } }>().data.checks.docker.status, 'ok');
    await app.close();
  });
});
