// Prints, one per line, the node_modules folders (relative to the repository root) that the
// runtime image needs: the production dependency closure of the given packages, resolved the
// way Node resolves them (nearest node_modules upwards). Workspace packages (@kiln/*) are left
// out: the build script copies only the files of theirs the runtime loads.
// Usage: node closure.mjs <repo root> <package>...
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

// Miniflare imports sharp lazily, only for the Images binding Kiln does not serve; its native
// libvips is most of the size it would add.
const SKIP = new Set(['sharp']);

const [root, ...roots] = process.argv.slice(2);
const seen = new Set();

function locate(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === dirname(dir)) return undefined;
  }
}

function visit(pkgDir) {
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const deps = { ...manifest.dependencies, ...manifest.optionalDependencies };
  for (const name of Object.keys(deps)) {
    if (SKIP.has(name) || name.startsWith('@kiln/')) continue;
    const found = locate(name, pkgDir);
    // Optional dependencies for other platforms (workerd's, esbuild's) are simply not installed.
    if (!found) {
      if (manifest.optionalDependencies?.[name]) continue;
      throw new Error(`${name} (needed by ${manifest.name}) is not installed`);
    }
    if (seen.has(found)) continue;
    seen.add(found);
    visit(found);
  }
}

for (const name of roots) {
  const dir = realpathSync(join(root, 'node_modules', name));
  seen.add(dir);
  visit(dir);
}
// A package nested inside one already listed travels with it.
const paths = [...seen].map((p) => relative(root, p)).sort();
const top = paths.filter((p) => !paths.some((q) => q !== p && p.startsWith(`${q}/node_modules/`)));
process.stdout.write(top.join('\n') + '\n');
