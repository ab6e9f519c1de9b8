import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import Docker from 'dockerode';
import { repoRoot } from '@kiln/devtools/testing';
import type { FastifyInstance } from 'fastify';
import { runnerEnv } from '../config.js';
import { createRunner } from '../create-runner.js';
import { HostFirewall } from '../docker/host-firewall.js';

/** Test support for specs that run instances on the real Docker engine. */

export const socket = process.env['DOCKER_SOCKET'] ?? '/var/run/docker.sock';
// .ci/run starts dockerd; on a developer machine without an engine these tests are skipped, in CI they fail.
export const skipWithoutDocker =
  !existsSync(socket) && !process.env['CI'] ? `no Docker engine at ${socket}` : undefined;
export const IMAGE = 'kiln/runtime:dev';

/** A runner in this process on the real engine, with the test's name and token; `env` on top. */
export function testRunner(name: string, token: string, env: Record<string, string> = {}): FastifyInstance {
  return createRunner(
    runnerEnv.parse({ LOG_LEVEL: 'silent', DOCKER_SOCKET: socket, RUNNER_TOKEN: token, RUNNER_NAME: name, ...env }),
  );
}

export { repoRoot };

/** Builds the runtime image when it is missing (it takes a minute on a fresh machine). */
export function ensureImage(): void {
  const present = spawnSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore' }).status === 0;
  if (present) return;
  const build = spawnSync('bash', ['infra/build-runtime-image.sh'], { cwd: repoRoot, encoding: 'utf8' });
  if (build.status !== 0)
    throw new Error(`building ${IMAGE} with infra/build-runtime-image.sh failed:\n${build.stderr}${build.stdout}`);
}

/** Removes every container, image, network (with its host firewall chain) and volume of a runner. */
export async function removeRunnerResources(runnerName: string): Promise<void> {
  const docker = new Docker({ socketPath: socket });
  const label = [`kiln.runner=${runnerName}`];
  const removeContainers = async () => {
    for (const c of await docker.listContainers({ all: true, filters: { label } }))
      await docker.getContainer(c.Id).remove({ force: true, v: true });
  };
  await removeContainers();
  for (const n of await docker.listNetworks({ filters: { label } })) {
    // A runner process killed by a test may have had a container on its way: try once more.
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch(async () => {
        await removeContainers();
        await docker.getNetwork(n.Id).remove();
      });
    await new HostFirewall(true).release(`br-${n.Id.slice(0, 12)}`);
  }
  for (const i of await docker.listImages({ filters: { label } })) await docker.getImage(i.Id).remove({ force: true });
  const { Volumes } = await docker.listVolumes({ filters: { label } });
  for (const v of Volumes ?? []) await docker.getVolume(v.Name).remove();
}

export const WORKER = {
  path: 'wrangler.jsonc',
  content: '{ "name": "hello", "main": "src/index.js", "compatibility_date": "2025-01-01" }',
};

/** A Worker answering "<greeting> <path>" that echoes WebSocket messages with the greeting. */
export const code = (greeting: string) => ({
  path: 'src/index.js',
  content: `export default {
  fetch(req) {
    if (req.headers.get('upgrade') === 'websocket') {
      const [client, server] = Object.values(new WebSocketPair());
      server.accept();
      server.addEventListener('message', (e) => server.send('${greeting} ' + e.data));
      return new Response(null, { status: 101, webSocket: client });
    }
    return new Response('${greeting} ' + new URL(req.url).pathname);
  },
};`,
});
