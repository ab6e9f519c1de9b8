import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { TAppFile } from '@kiln/contracts';
import { UnknownTemplateError } from '../errors.js';

const SKIP = new Set(['node_modules', '.git', 'dist', '.wrangler']);

/** A template folder's files, as the files API would receive them. */
export async function loadTemplate(dir: string, name: string): Promise<TAppFile[]> {
  const root = join(dir, name);
  const isDir = await stat(root).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new UnknownTemplateError(name);
  const files: TAppFile[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = relative(root, join(entry.parentPath, entry.name));
    if (path.split('/').some((s) => SKIP.has(s))) continue;
    files.push({ path, content: (await readFile(join(root, path))).toString('base64'), encoding: 'base64' });
  }
  return files;
}
