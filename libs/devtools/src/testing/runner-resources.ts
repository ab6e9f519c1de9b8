import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Why tests that need a Docker engine and the runtime image cannot run here, if they cannot. In CI
 * (`CI` set) nothing is: the tests run, and fail when the engine or image is missing.
 */
export function dockerUnavailable(image = 'kiln/runtime:dev'): string | undefined {
  if (process.env['CI']) return undefined;
  const socket = process.env['DOCKER_SOCKET'] ?? '/var/run/docker.sock';
  if (!existsSync(socket)) return `no Docker engine at ${socket}`;
  const found = spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' });
  return found.status === 0 ? undefined : `no ${image} image (npm run runner:image)`;
}

/**
 * Removes what a sandbox runner made under `runnerName` (everything carries the label
 * `kiln.runner=<name>`): containers, images, volumes, its networks and each network's host
 * firewall chain (apps/sandbox-runner/src/docker/host-firewall.ts names them `KILN-br-<id>`).
 * For tests that ran a runner process; stop the runner first so nothing new appears.
 */
export function removeRunnerResources(runnerName: string): void {
  const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).split('\n').filter(Boolean);
  const label = `label=kiln.runner=${runnerName}`;
  const containers = docker('ps', '-aq', '--filter', label);
  if (containers.length) docker('rm', '-f', '-v', ...containers);
  const images = docker('images', '-q', '--filter', label);
  if (images.length) docker('rmi', '-f', ...images);
  for (const id of docker('network', 'ls', '-q', '--no-trunc', '--filter', label)) {
    docker('network', 'rm', id);
    const chain = `KILN-br-${id.slice(0, 12)}`;
    for (const args of [
      ['-D', 'INPUT', '-i', `br-${id.slice(0, 12)}`, '-j', chain],
      ['-F', chain],
      ['-X', chain],
    ])
      spawnSync('iptables', ['-w', '5', ...args], { stdio: 'ignore' });
  }
  const volumes = docker('volume', 'ls', '-q', '--filter', label);
  if (volumes.length) docker('volume', 'rm', ...volumes);
}
