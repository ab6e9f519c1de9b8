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
    for (const file of readdirSync(join(root, dir))
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const path = join(root, dir, file);
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as Array<{ name: string; steps: DiffStep[] }>;
      for (const c of parsed) cases.push({ file: relative(root, path), name: c.name, steps: c.steps });
    }
  }
  return cases;
}

/**
 * A deliberate difference from Miniflare, where Kiln follows Cloudflare instead: wherever the
 * reference output has `field: miniflare` (in `case`, or in every case), Kiln must give `kiln`.
 */
export interface KnownDifference {
  id: string;
  reason: string;
  case?: string;
  /** Field rule: wherever the reference has `field: miniflare`, Kiln gives `field: kiln`. */
  field?: string;
  miniflare?: unknown;
  /** Step rule (with `case`): Kiln's whole result for that step, which the reference does not give. */
  step?: number;
  kiln: unknown;
}

export function loadKnownDifferences(): KnownDifference[] {
  return JSON.parse(readFileSync(join(DIFFERENTIAL_DIR, 'known-differences.json'), 'utf8')) as KnownDifference[];
}

/**
 * The output Kiln must produce for a case: the reference output with the known differences that
 * apply to it substituted (case-specific rules first). Returns which rules applied, so a rule
 * that no longer matches anything can be reported as stale.
 */
export function expectedForKiln(
  caseId: string,
  reference: unknown,
  rules: KnownDifference[],
): { expected: unknown; applied: Set<string> } {
  const applied = new Set<string>();
  const fieldRules = rules.filter((r) => r.field !== undefined);
  const ordered = [...fieldRules.filter((r) => r.case === caseId), ...fieldRules.filter((r) => r.case === undefined)];
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      const rule = ordered.find((r) => r.field === key && JSON.stringify(r.miniflare) === JSON.stringify(value));
      if (rule) applied.add(rule.id);
      out[key] = rule ? rule.kiln : walk(value);
    }
    return out;
  };
  const expected = walk(reference);
  for (const rule of rules) {
    if (rule.case !== caseId || rule.step === undefined || !Array.isArray(expected)) continue;
    // Only while the reference really differs; otherwise the rule is stale and reported.
    if (JSON.stringify(expected[rule.step]) !== JSON.stringify(rule.kiln)) {
      expected[rule.step] = rule.kiln;
      applied.add(rule.id);
    }
  }
  return { expected, applied };
}
