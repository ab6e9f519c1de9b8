import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { type KilnStack, startKilnStack } from '../testing/kiln-stack.js';
import { DIFFERENTIAL_DIR, type DiffCase, expectedForKiln, loadCases, loadKnownDifferences } from './load-cases.js';

const COMPATIBILITY_DATE = '2025-09-01';

/**
 * The same Worker programs run twice in real workerd: against Miniflare's local KV/R2 (the
 * reference) and against Kiln's gateway on Redis, Postgres and an S3 server. Every step's result —
 * values, metadata, ordering, errors and their messages — must be identical.
 */
describe('KV and R2 through workerd: Kiln (direct bindings) vs Miniflare', () => {
  const cases = loadCases();
  const differences = loadKnownDifferences();
  const used = new Set<string>();
  let stack: KilnStack;
  let reference: Miniflare;
  let kiln: Miniflare;

  before(async () => {
    stack = await startKilnStack();
    const appId = `diff-${randomBytes(4).toString('hex')}`;
    const scriptPath = join(DIFFERENTIAL_DIR, 'harness-worker.js');
    reference = new Miniflare({
      modules: true,
      scriptPath,
      compatibilityDate: COMPATIBILITY_DATE,
      kvNamespaces: { KV: 'reference-kv' },
      r2Buckets: { BUCKET: 'reference-r2' },
    });
    // The runtime's default mode; the proxy mode is covered by the gateway tests.
    kiln = new Miniflare({
      modules: true,
      scriptPath,
      compatibilityDate: COMPATIBILITY_DATE,
      ...stack.bindingOptions('direct', appId, { kv: { KV: 'diff-kv' }, r2: { BUCKET: 'diff-r2' } }),
    });
    await Promise.all([reference.ready, kiln.ready]);
  });

  after(async () => {
    await Promise.allSettled([reference?.dispose(), kiln?.dispose()]);
    await stack?.close();
  });

  const run = async (mf: Miniflare, c: DiffCase): Promise<unknown> => {
    const res = await mf.dispatchFetch('http://harness/run', {
      method: 'POST',
      body: JSON.stringify({ steps: c.steps }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`harness failed (${res.status}): ${text}`);
    return JSON.parse(text) as unknown;
  };

  it('has at least 120 cases', () => {
    assert.ok(cases.length >= 120, `only ${cases.length} cases`);
  });

  for (const c of cases) {
    it(`${c.file} › ${c.name}`, async () => {
      const caseId = `${c.file} › ${c.name}`;
      const { expected, applied } = expectedForKiln(caseId, await run(reference, c), differences);
      for (const id of applied) used.add(id);
      const actual = await run(kiln, c);
      assert.deepEqual(actual, expected);
    });
  }

  it('every known difference still applies (none is stale)', () => {
    assert.deepEqual(
      differences.map((d) => d.id).filter((id) => !used.has(id)),
      [],
    );
  });
});
