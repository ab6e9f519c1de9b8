import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '@kiln/devtools/testing';

const FILE = join(repoRoot, 'docs', 'benchmarks.md');
const HEADER = `# Benchmarks

Written by \`npm run bench\`; each section is replaced when its benchmark runs. Every comparison is
made in the same run, on the same machine, against a reference (Miniflare's own local bindings).
Times are per operation, measured in Node around one request to the Worker in workerd.
`;

/** Replaces (or appends) the section between `<!-- bench:<id> -->` markers in docs/benchmarks.md. */
export async function writeSection(id: string, body: string): Promise<void> {
  const text = await readFile(FILE, 'utf8').catch(() => HEADER);
  const start = `<!-- bench:${id} -->`;
  const end = `<!-- /bench:${id} -->`;
  const section = `${start}\n${body.trim()}\n${end}`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  const next =
    from >= 0 && to > from
      ? text.slice(0, from) + section + text.slice(to + end.length)
      : `${text.trimEnd()}\n\n${section}\n`;
  await writeFile(FILE, next);
}
