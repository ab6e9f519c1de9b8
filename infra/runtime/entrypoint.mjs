// The container starts before the runner has written the app into /app (its writable volume
// only exists once the container runs), and the runtime exits when wrangler.jsonc is missing,
// so wait for the app to appear, then hand over to libs/runtime in this same process.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const appDir = process.env.KILN_APP_DIR ?? '/app';
const config = ['wrangler.jsonc', 'wrangler.json'].map((f) => join(appDir, f));
// Load Miniflare (~0.4 s) while waiting, so the app starts sooner once it is written.
const preload = import('/opt/kiln/node_modules/miniflare/dist/src/index.js');
while (!config.some((f) => existsSync(f))) await sleep(20);
await preload;
await import('/opt/kiln/node_modules/@kiln/runtime/dist/main.js');
