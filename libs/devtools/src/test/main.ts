import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../paths.js';
import { startScratchServices } from '../services/backing-services.js';
import { TIERS, type Tier, findTests } from './find-tests.js';

/**
 * `npm test`: runs every test tier with node's test runner. Integration and e2e tiers get real
 * Postgres and Redis: DATABASE_URL / REDIS_URL when set (CI), else an embedded Postgres and a
 * local redis-server in a throw-away directory. Ends with `N passed, N failed, N skipped`.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({ options: { tier: { type: 'string', multiple: true } } });
  const tiers = (values.tier ?? [...TIERS]) as Tier[];
  for (const t of tiers)
    if (!TIERS.includes(t)) throw new Error(`unknown tier ${t}; expected one of ${TIERS.join(', ')}`);
  const files = findTests(repoRoot, tiers);
  if (files.length === 0) throw new Error(`no test files found for tiers ${tiers.join(', ')}; did the build run?`);

  const scratch = await mkdtemp(join(tmpdir(), 'kiln-test-'));
  const needsServices = tiers.some((t) => t !== 'unit');
  const services = needsServices ? await startScratchServices(scratch, 'kiln_test') : undefined;
  if (services) process.stdout.write(`test services:\n${services.summary.map((s) => `  ${s}`).join('\n')}\n`);

  const countsFile = join(scratch, 'counts.json');
  try {
    const code = await new Promise<number>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          '--test',
          '--test-concurrency=1',
          '--test-reporter=spec',
          '--test-reporter-destination=stdout',
          `--test-reporter=${join(repoRoot, 'libs/devtools/dist/test/count-reporter.js')}`,
          `--test-reporter-destination=${countsFile}`,
          ...files,
        ],
        {
          cwd: repoRoot,
          stdio: 'inherit',
          env: {
            ...process.env,
            ...(services ? { DATABASE_URL: services.databaseUrl, REDIS_URL: services.redisUrl } : {}),
            KILN_TEST_SCRATCH: scratch,
          },
        },
      );
      child.on('exit', (c) => resolve(c ?? 1));
    });
    const counts = JSON.parse(await readFile(countsFile, 'utf8')) as {
      passed: number;
      failed: number;
      skipped: number;
    };
    process.stdout.write(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
    return counts.failed > 0 || code !== 0 ? 1 : 0;
  } finally {
    await services?.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`test: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
