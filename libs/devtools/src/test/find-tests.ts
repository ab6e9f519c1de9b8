import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

export const TIERS = ['unit', 'integration', 'e2e'] as const;
export type Tier = (typeof TIERS)[number];

/** unit: `*.spec.ts`; integration: `*.int.spec.ts` (real Postgres/Redis); e2e: `*.e2e.spec.ts` (processes, browser). */
export function tierOf(file: string): Tier | undefined {
  if (file.endsWith('.e2e.spec.js')) return 'e2e';
  if (file.endsWith('.int.spec.js')) return 'integration';
  if (file.endsWith('.spec.js')) return 'unit';
  return undefined;
}

/** Compiled test files of every project (`apps/*\/dist`, `libs/*\/dist`), sorted. */
export function findTests(root: string, tiers: readonly Tier[]): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        const tier = tierOf(entry.name);
        if (tier && tiers.includes(tier)) found.push(path);
      }
    }
  };
  for (const group of ['apps', 'libs']) {
    for (const project of readdirSync(join(root, group), { withFileTypes: true })) {
      if (!project.isDirectory()) continue;
      const dist = join(root, group, project.name, 'dist');
      try {
        walk(dist);
      } catch {
        // a project without tests or not built yet
      }
    }
  }
  return found.sort((a, b) => relative(root, a).localeCompare(relative(root, b)));
}
