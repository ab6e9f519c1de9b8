import { join } from 'node:path';
import { repoRoot } from '../paths.js';
import { type Child, startChild, waitFor } from '../services/child.js';
import { freePort } from '../services/ports.js';

/**
 * The sandbox runner (apps/sandbox-runner/dist/main.js, built) in a process of its own on a free
 * port, resolved once it answers /healthz. `env` is added to this process's environment; the
 * templates are the repository's unless `env` says otherwise.
 */
export async function startRunnerProcess(env: Record<string, string>): Promise<{ url: string; child: Child }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = startChild('runner', process.execPath, [join(repoRoot, 'apps/sandbox-runner/dist/main.js')], {
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      TEMPLATES_DIR: join(repoRoot, 'templates'),
      ...env,
      RUNNER_PORT: String(port),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitFor('sandbox runner', () => fetch(`${url}/healthz`).then((r) => r.ok), { timeoutMs: 20_000, child });
  return { url, child };
}
