import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { PipelineTemplate } from '@kiln/agent';
import { z } from 'zod';

const ZTemplateManifest = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  description: z.string().min(1),
  keywords: z.array(z.string()).default([]),
  /** argv that builds the app inside its container (the runtime image has the tools). */
  build: z.array(z.string().min(1)).min(1),
});

/** Files the model reads and may fix: the app's own sources, not lockfiles or the manifest. */
const SOURCE = /\.(ts|tsx|js|jsx|mjs|css|html|sql|json|jsonc)$/;
const SKIPPED = /(^|\/)(node_modules|dist|\.wrangler)(\/|$)|^template\.json$|^package-lock\.json$/;
const MAX_FILE_BYTES = 32 * 1024;

/**
 * The templates in `dir` (the same folder the sandbox runner creates instances from) as the
 * agent's pipeline knows them: name, description and keywords for the choice, the build command,
 * and the source files the model sees.
 */
export async function loadPipelineTemplates(dir: string): Promise<PipelineTemplate[]> {
  const templates: PipelineTemplate[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const root = join(dir, entry.name);
    const raw = await readFile(join(root, 'template.json'), 'utf8').catch(() => undefined);
    if (raw === undefined) continue;
    const manifest = ZTemplateManifest.parse(JSON.parse(raw));
    const files: Record<string, string> = {};
    for (const file of await readdir(root, { recursive: true, withFileTypes: true })) {
      if (!file.isFile()) continue;
      const path = relative(root, join(file.parentPath, file.name));
      if (SKIPPED.test(path) || !SOURCE.test(path)) continue;
      const text = await readFile(join(root, path), 'utf8');
      if (Buffer.byteLength(text) <= MAX_FILE_BYTES) files[path] = text;
    }
    templates.push({
      name: manifest.name,
      description: manifest.description,
      keywords: manifest.keywords,
      files,
      buildCommand: manifest.build,
    });
  }
  return templates.sort((a, b) => a.name.localeCompare(b.name));
}
