// An app whose Worker is built (TypeScript bundled by its build into, say, dist/worker/index.js)
// has no `main` until that build runs inside its container, and Miniflare refuses to start
// without it (or without the `assets` directory). Rather than exit, which would stop the
// container before the build could run, the runtime answers every request with a 503 naming the
// missing files until they exist, then hands over to the real runtime.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readWranglerConfig } from '/opt/kiln/node_modules/@kiln/runtime/dist/wrangler-config.js';

/** What the app's wrangler config needs on disk (`main`, `assets.directory`); none when it cannot be read. */
async function neededPaths(appDir) {
  let config;
  try {
    config = await readWranglerConfig(appDir);
  } catch {
    // The runtime reports a broken config itself, with the reason.
    return [];
  }
  // The runtime's default when `main` is not given (libs/runtime/src/miniflare-options.ts).
  return [config.main ?? 'src/index.js', ...(config.assets ? [config.assets.directory] : [])];
}

const missingOf = (appDir, paths) => paths.filter((path) => !existsSync(join(appDir, path)));

/** Size and modification time of every file under `paths`, as one comparable string. */
function snapshot(appDir, paths) {
  const stamp = (file) => {
    const st = statSync(file, { throwIfNoEntry: false });
    return st ? `${file}:${st.size}:${st.mtimeMs}` : file;
  };
  return paths
    .map((path) => join(appDir, path))
    .flatMap((root) =>
      statSync(root, { throwIfNoEntry: false })?.isDirectory()
        ? readdirSync(root, { recursive: true }).map((f) => stamp(join(root, String(f))))
        : [stamp(root)],
    )
    .join('|');
}

/** Resolves once the app's `main` and `assets.directory` exist, serving a 503 page until then. */
export async function awaitBuild(appDir, host, port) {
  // The runner writes an app in one archive, so files it names may land a moment after
  // wrangler.jsonc: a short wait keeps a complete app from flashing the 503 page.
  let paths = await neededPaths(appDir);
  let missing = missingOf(appDir, paths);
  for (let i = 0; i < 5 && missing.length > 0; i++) {
    await sleep(50);
    paths = await neededPaths(appDir);
    missing = missingOf(appDir, paths);
  }
  if (missing.length === 0) return;
  const server = createServer((_req, res) => {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1', 'x-kiln-app': 'not-built' });
    res.end(
      missing.length > 0
        ? `This app is not built yet: ${missing.join(' and ')} missing. Run its build.\n`
        : 'This app is starting.\n',
    );
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  // A pino-shaped line, like the runtime's own (a warning: not an error of the app).
  const line = { level: 40, time: Date.now(), service: 'runtime', msg: 'waiting for the app build', missing };
  process.stderr.write(`${JSON.stringify(line)}\n`);
  do {
    await sleep(100);
    paths = await neededPaths(appDir);
    missing = missingOf(appDir, paths);
  } while (missing.length > 0);
  // The build may still be writing them: hand over once they have stopped changing.
  for (let before = snapshot(appDir, paths); ;) {
    await sleep(100);
    const now = snapshot(appDir, paths);
    if (now === before) break;
    before = now;
  }
  await new Promise((resolve) => {
    server.close(resolve);
    server.closeAllConnections();
  });
}
