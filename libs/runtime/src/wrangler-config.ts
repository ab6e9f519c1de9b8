import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ParseError, parse, printParseErrorCode } from 'jsonc-parser';
import { z } from 'zod';

/**
 * The part of an app's `wrangler.jsonc` that Kiln runs. Apps keep Cloudflare's own config file so
 * they deploy to Cloudflare unchanged; fields Kiln does not use are left alone.
 */
export const ZWranglerConfig = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a Worker name (lowercase letters, digits, dashes)'),
  main: z.string().min(1).optional(),
  compatibility_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'),
  compatibility_flags: z.array(z.string()).default([]),
  vars: z
    .record(
      z.string(),
      z.union([z.string(), z.number(), z.boolean(), z.record(z.string(), z.unknown()), z.array(z.unknown())]),
    )
    .default({}),
  kv_namespaces: z.array(z.object({ binding: z.string().min(1), id: z.string().min(1) })).default([]),
  r2_buckets: z.array(z.object({ binding: z.string().min(1), bucket_name: z.string().min(1) })).default([]),
  d1_databases: z
    .array(
      z.object({ binding: z.string().min(1), database_id: z.string().min(1), database_name: z.string().optional() }),
    )
    .default([]),
  durable_objects: z
    .object({
      bindings: z
        .array(
          z.object({
            name: z.string().min(1),
            class_name: z.string().min(1),
            // Cloudflare's `script_name` binds a class of another Worker; Kiln runs one Worker per
            // app, so a binding naming another script is refused rather than silently local.
            script_name: z.string().optional(),
          }),
        )
        .default([]),
    })
    .default({ bindings: [] }),
  migrations: z
    .array(
      z.object({
        tag: z.string().min(1),
        new_classes: z.array(z.string()).default([]),
        new_sqlite_classes: z.array(z.string()).default([]),
        deleted_classes: z.array(z.string()).default([]),
        renamed_classes: z.array(z.object({ from: z.string(), to: z.string() })).default([]),
      }),
    )
    .default([]),
  assets: z
    .object({
      directory: z.string().min(1),
      binding: z.string().optional(),
      not_found_handling: z.enum(['single-page-application', '404-page', 'none']).optional(),
      html_handling: z.enum(['auto-trailing-slash', 'force-trailing-slash', 'drop-trailing-slash', 'none']).optional(),
      run_worker_first: z.union([z.boolean(), z.array(z.string())]).optional(),
    })
    .optional(),
});
export type WranglerConfig = z.infer<typeof ZWranglerConfig>;

export class WranglerConfigError extends Error {
  readonly code = 'WRANGLER_CONFIG_INVALID';
}

const FILES = ['wrangler.jsonc', 'wrangler.json'];

/** Reads and validates the app's wrangler.jsonc (or wrangler.json). */
export async function readWranglerConfig(appDir: string): Promise<WranglerConfig> {
  for (const file of FILES) {
    const path = join(appDir, file);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      continue;
    }
    const errors: ParseError[] = [];
    const raw: unknown = parse(text, errors, { allowTrailingComma: true });
    if (errors.length > 0) {
      const first = errors[0]!;
      throw new WranglerConfigError(`${path}: ${printParseErrorCode(first.error)} at offset ${first.offset}`);
    }
    const parsed = ZWranglerConfig.safeParse(raw);
    if (!parsed.success) {
      throw new WranglerConfigError(
        `${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      );
    }
    const foreign = parsed.data.durable_objects.bindings.find(
      (b) => b.script_name !== undefined && b.script_name !== parsed.data.name,
    );
    if (foreign) {
      throw new WranglerConfigError(
        `${path}: durable_objects.bindings: ${foreign.name} binds class ${foreign.class_name} of Worker ${foreign.script_name ?? ''}; Kiln runs only this app's own classes`,
      );
    }
    return parsed.data;
  }
  throw new WranglerConfigError(`no ${FILES.join(' or ')} in ${appDir}`);
}
