import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScratchServices } from '@kiln/devtools/services';
import { d1Bench } from './d1-bench.js';
import { doBench } from './do-bench.js';
import { writeSection } from './report.js';
import { storageBench } from './storage-bench.js';

/** `npm run bench`: every benchmark, each compared with its reference in the same run. */
async function main(): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'kiln-bench-'));
  const services = await startScratchServices(scratch, 'kiln_bench');
  process.env['DATABASE_URL'] = services.databaseUrl;
  process.env['REDIS_URL'] = services.redisUrl;
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
  try {
    const section = await storageBench((line) => process.stdout.write(`${line}\n`));
    await writeSection('storage', `${section}\n\nMachine: ${machine}.`);
    const d1 = await d1Bench((line) => process.stdout.write(`${line}\n`));
    await writeSection('d1', `${d1}\n\nMachine: ${machine}.`);
    const dos = await doBench((line) => process.stdout.write(`${line}\n`));
    await writeSection('do', `${dos}\n\nMachine: ${machine}.`);
    process.stdout.write('wrote docs/benchmarks.md\n');
  } finally {
    await services.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
