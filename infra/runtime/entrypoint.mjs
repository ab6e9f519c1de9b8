// The container starts before the runner has written the app into /app (its writable volume
// only exists once the container runs; a warm-pool container waits for an app to be assigned),
// and the runtime exits when wrangler.jsonc is missing, so wait for the app to appear, then hand
// over to libs/runtime in this same process.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { awaitBuild } from './await-build.mjs';

const appDir = process.env.KILN_APP_DIR ?? '/app';
// The runner sends SIGHUP after file changes (libs/runtime reloads on it); before the runtime is
// loaded there is nothing to reload, and SIGHUP must not end the process.
process.on('SIGHUP', () => {});
const config = ['wrangler.jsonc', 'wrangler.json'].map((f) => join(appDir, f));
// Load Miniflare (~0.4 s) while waiting, so the app starts sooner once it is written.
const preload = import('/opt/kiln/node_modules/miniflare/dist/src/index.js');
while (!config.some((f) => existsSync(f))) await sleep(20);
// A warm-pool container learns its app's environment when it is claimed: the runner writes it,
// as root, before the app's files (apps/sandbox-runner/src/instances/identity.ts).
const envFile = join(appDir, '.kiln', 'env.json');
if (existsSync(envFile)) Object.assign(process.env, JSON.parse(readFileSync(envFile, 'utf8')));
await preload;
await awaitBuild(appDir, process.env.RUNTIME_HOST ?? '0.0.0.0', Number(process.env.RUNTIME_PORT ?? 8788));
await import('/opt/kiln/node_modules/@kiln/runtime/dist/main.js');
