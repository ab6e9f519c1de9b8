import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { freePort } from '@kiln/devtools/testing';
import { pino } from 'pino';
import { WorkerRuntime } from './worker-runtime.js';

const config = (main: string) => JSON.stringify({ name: 'r', main, compatibility_date: '2025-01-01' });

describe('WorkerRuntime: a reload that fails with workerd gone', () => {
  let appDir: string;
  let runtime: WorkerRuntime;
  const logs: string[] = [];

  before(async () => {
    appDir = await mkdtemp(join(tmpdir(), 'kiln-recover-'));
    await mkdir(join(appDir, 'src'));
    await writeFile(join(appDir, 'wrangler.jsonc'), config('src/index.js'));
    await writeFile(join(appDir, 'src', 'index.js'), 'export default { fetch() { return new Response("one"); } };');
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString());
        done();
      },
    });
    runtime = new WorkerRuntime(
      {
        appId: 'r',
        appDir,
        host: '127.0.0.1',
        port: await freePort(),
        gateway: { url: 'http://127.0.0.1:9', token: 'x'.repeat(24), mode: 'direct' },
      },
      pino({ level: 'info' }, sink),
    );
  });

  after(async () => {
    await runtime.stop();
    await rm(appDir, { recursive: true, force: true });
  });

  it('starts workerd again from the last configuration that loaded, instead of serving nothing', async () => {
    const url = await runtime.start();
    assert.equal(await (await fetch(url)).text(), 'one');
    // workerd dies (as when it cannot start a thread under the container's pids limit) ...
    execFileSync('pkill', ['-KILL', '-P', String(process.pid), 'workerd']);
    await new Promise((r) => setTimeout(r, 200));
    await assert.rejects(fetch(url));
    // ... and the reload that follows fails.
    await writeFile(join(appDir, 'wrangler.jsonc'), config('src/missing.js'));
    await runtime.reload();
    assert.ok(
      logs.some((l) => l.includes('reload failed')),
      logs.join(''),
    );
    assert.ok(
      logs.some((l) => l.includes('runtime restarted after a failed reload')),
      logs.join(''),
    );
    assert.equal(await (await fetch(url)).text(), 'one');
  });
});
