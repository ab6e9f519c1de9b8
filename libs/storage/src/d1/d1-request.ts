import type { Readable } from 'node:stream';
import { z } from 'zod';
import { D1RequestError } from './d1-errors.js';
import type { D1Query } from './d1-executor.js';

/** A whole batch of statements at 100 KB each fits; anything larger is not a D1 client. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

const D1ValueSchema = z.union([
  z.null(),
  z.number(),
  z.string(),
  z.boolean().transform((b) => (b ? 1 : 0)),
  z.array(z.number().int().min(0).max(255)),
]);
const QuerySchema = z.object({ sql: z.string(), params: z.array(D1ValueSchema).nullable().optional() });
const BodySchema = z.union([QuerySchema, z.array(QuerySchema)]);

export interface D1Body {
  queries: D1Query[];
  /** The client sent an array (batch or exec) rather than one statement. */
  isArray: boolean;
}

export async function readBody(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new D1RequestError('Request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export function parseBody(bytes: Buffer): D1Body {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new D1RequestError('Request body is not valid JSON');
  }
  const parsed = BodySchema.safeParse(json);
  if (!parsed.success)
    throw new D1RequestError(`Invalid D1 request: ${parsed.error.issues[0]?.message ?? 'bad shape'}`);
  const list = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  return { queries: list.map((q) => ({ sql: q.sql, params: q.params ?? [] })), isArray: Array.isArray(parsed.data) };
}

/** Miniflare's test for entries to skip: nothing left once `--` comment lines are removed. */
export function isBlank(sql: string): boolean {
  return sql.replace(/^\s*--.*$/gm, '').trim().length === 0;
}
