import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScratchServices } from '@kiln/devtools/services';
import { agentBench } from './agent-bench.js';
import { d1Bench } from './d1-bench.js';
import { doBench } from './do-bench.js';
import { writeSection } from './report.js';
import { runnerBench } from './runner-bench.js';
import { storageBench } from './storage-bench.js';

const SECTIONS = ['storage', 'd1', 'do', 'runner', 'agent'] as const;

/**
 * `npm run bench`: every benchmark, each compared with its reference in the same run.
 * `npm run bench -- runner d1` runs only those sections (the others keep their figures).
 */
async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((a) => !(SECTIONS as readonly string[]).includes(a));
  if (unknown.length) throw new Error(`unknown section(s) ${unknown.join(', ')}; sections: ${SECTIONS.join(', ')}`);
  const run = (section: (typeof SECTIONS)[number]) => asked.length === 0 || asked.includes(section);
  const scratch = await mkdtemp(join(tmpdir(), 'kiln-bench-'));
  const services = await startScratchServices(scratch, 'kiln_bench');
  process.env['DATABASE_URL'] = services.databaseUrl;
  process.env['REDIS_URL'] = services.redisUrl;
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
  try {
    const log = (line: string) => process.stdout.write(`${line}\n`);
    const benches = { storage: storageBench, d1: d1Bench, do: doBench, runner: runnerBench, agent: agentBench };
    for (const id of SECTIONS) {
      if (!run(id)) continue;
      const section = await benches[id](log);
      await writeSection(id, `${section}\n\nMachine: ${machine}.`);
    }
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
