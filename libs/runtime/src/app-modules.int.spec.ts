import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@kiln/devtools/testing';
import { pino } from 'pino';
import { WorkerRuntime } from './worker-runtime.js';

describe('WorkerRuntime: an app split into modules, resolved as wrangler does', () => {
  let dir: string;
  let runtime: WorkerRuntime;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-modules-'));
    await mkdir(join(dir, 'src', 'lib'), { recursive: true });
    await writeFile(
      join(dir, 'wrangler.jsonc'),
      JSON.stringify({ name: 'modules', main: 'src/index.js', compatibility_date: '2025-09-01' }),
    );
    await writeFile(
      join(dir, 'src', 'index.js'),
      "import { greet } from './lib/greet.js';\nimport banner from './banner.txt';\nexport default { fetch() { return new Response(banner.trim() + ' ' + greet('kiln')); } };\n",
    );
    await writeFile(join(dir, 'src', 'lib', 'greet.js'), "export const greet = (who) => 'hello ' + who;\n");
    await writeFile(join(dir, 'src', 'banner.txt'), '[text module]\n');
    runtime = new WorkerRuntime(
      {
        appId: 'modules',
        appDir: dir,
        host: '127.0.0.1',
        port: await freePort(),
        gateway: { url: 'http://127.0.0.1:9', token: 'x'.repeat(43) },
      },
      pino({ level: 'silent' }),
    );
    await runtime.start();
  });

  after(async () => {
    await runtime?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs an entry that imports an ES module `.js` file and a `.txt` text module', async () => {
    assert.equal(await (await runtime.dispatchFetch('http://app/')).text(), '[text module] hello kiln');
  });
});
