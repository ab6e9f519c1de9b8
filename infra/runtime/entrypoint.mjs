// The container starts before the runner has written the app into /app (its writable volume
// only exists once the container runs), and the runtime exits when wrangler.jsonc is missing,
// so wait for the app to appear, then hand over to libs/runtime in this same process.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const appDir = process.env.KILN_APP_DIR ?? '/app';
const config = ['wrangler.jsonc', 'wrangler.json'].map((f) => join(appDir, f));
while (!config.some((f) => existsSync(f))) await sleep(50);
await import('/opt/kiln/node_modules/@kiln/runtime/dist/main.js');
