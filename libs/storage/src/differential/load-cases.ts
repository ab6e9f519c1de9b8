import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DiffStep {
  op: string;
  args?: unknown[];
  save?: string;
  keepRaw?: boolean;
}
export interface DiffCase {
  file: string;
  name: string;
  steps: DiffStep[];
}

/** Fixtures live beside the package, not in src: they are data, and the harness Worker is plain JS. */
export const DIFFERENTIAL_DIR = fileURLToPath(new URL('../../test/differential/', import.meta.url));

/** Every case of every `cases/<kind>/*.json` file (an array of `{ name, steps }`), in file order. */
export function loadCases(kind?: string): DiffCase[] {
  const root = join(DIFFERENTIAL_DIR, 'cases');
  const cases: DiffCase[] = [];
  for (const dir of readdirSync(root).sort()) {
    if (kind && dir !== kind) continue;
    for (const file of readdirSync(join(root, dir)).filter((f) => f.endsWith('.json')).sort()) {
      const path = join(root, dir, file);
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as Array<{ name: string; steps: DiffStep[] }>;
      for (const c of parsed) cases.push({ file: relative(root, path), name: c.name, steps: c.steps });
    }
  }
  return cases;
}
