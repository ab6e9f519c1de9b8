// Prints the compiled files reachable from the given entry files through relative imports
// (`./x.js`, `../y.js`), one per line, relative to <base>. The runtime image ships only these
// files of @kiln/storage, so its Postgres/Redis/S3 drivers stay out.
// Usage: node relative-imports.mjs <base dir> <entry file>...
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

const [base, ...entries] = process.argv.slice(2);
const seen = new Set();
const pending = entries.map((e) => resolve(base, e));
while (pending.length > 0) {
  const file = pending.pop();
  if (seen.has(file)) continue;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const m of source.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    pending.push(resolve(dirname(file), m[1]));
  }
}
process.stdout.write(
  [...seen]
    .map((f) => relative(base, f))
    .sort()
    .join('\n') + '\n',
);
