import { z } from 'zod';
import { invalidMetadata } from './r2-errors.js';

// Request descriptors as workerd's R2 client builds them (remote-bindings.md §5). workerd sends
// numbers inside `range` and dates inside `onlyIf` as strings, hence the coercions.

const ZHex = z
  .string()
  .regex(/^(?:[0-9a-fA-F]{2})*$/)
  .transform((hex) => Buffer.from(hex, 'hex'));
// `md5` alone is base64 (the runtime forwards R2PutOptions.md5 as-is), the sha* fields are hex.
const ZBase64 = z
  .string()
  .regex(/^[A-Za-z0-9+/]*={0,2}$/)
  .transform((b64) => Buffer.from(b64, 'base64'));
const ZMs = z.coerce.number().refine(Number.isFinite);

const ZEtag = z.discriminatedUnion('type', [
  z.object({ type: z.literal('strong'), value: z.string() }),
  z.object({ type: z.literal('weak'), value: z.string() }),
  z.object({ type: z.literal('wildcard') }),
]);

/** `onlyIf`: the object form gives strong etags; a Headers form also sets `secondsGranularity`. */
export const ZConditional = z.object({
  etagMatches: z.array(ZEtag).min(1).optional(),
  etagDoesNotMatch: z.array(ZEtag).min(1).optional(),
  uploadedBefore: ZMs.optional(),
  uploadedAfter: ZMs.optional(),
  secondsGranularity: z.boolean().optional(),
});
export type Conditional = z.infer<typeof ZConditional>;
export type EtagCondition = z.infer<typeof ZEtag>;

export const ZRange = z.object({
  offset: z.coerce.number().optional(),
  length: z.coerce.number().optional(),
  suffix: z.coerce.number().optional(),
});
export type RangeSpec = z.infer<typeof ZRange>;

export const ZHttpFields = z.object({
  contentType: z.string().optional(),
  contentLanguage: z.string().optional(),
  contentDisposition: z.string().optional(),
  contentEncoding: z.string().optional(),
  cacheControl: z.string().optional(),
  /** Epoch ms: a string in requests, a number in responses. */
  cacheExpiry: ZMs.optional(),
});
export type HttpFields = z.infer<typeof ZHttpFields>;

const ZCustomFields = z.array(z.object({ k: z.string(), v: z.string() }));
export type CustomField = z.infer<typeof ZCustomFields>[number];

const ZStorageClass = z.enum(['Standard', 'InfrequentAccess']);
const ZKey = z.string();

const ZHead = z.object({ method: z.literal('head'), object: ZKey });
const ZGet = z.object({
  method: z.literal('get'),
  object: ZKey,
  range: ZRange.optional(),
  /** Set instead of `range` when the Worker passed a `Headers`: the raw `Range` value. */
  rangeHeader: z.string().optional(),
  onlyIf: ZConditional.optional(),
});
const ZList = z.object({
  method: z.literal('list'),
  limit: z.number().optional(),
  prefix: z.string().optional(),
  cursor: z.string().optional(),
  delimiter: z.string().optional(),
  startAfter: z.string().optional(),
  /** 0 = httpMetadata, 1 = customMetadata. */
  include: z.array(z.union([z.literal(0), z.literal(1)])).optional(),
});
const ZPut = z.object({
  method: z.literal('put'),
  object: ZKey,
  customFields: ZCustomFields.optional(),
  httpFields: ZHttpFields.optional(),
  onlyIf: ZConditional.optional(),
  md5: ZBase64.optional(),
  sha1: ZHex.optional(),
  sha256: ZHex.optional(),
  sha384: ZHex.optional(),
  sha512: ZHex.optional(),
  storageClass: ZStorageClass.optional(),
});
const ZDelete = z
  .object({ method: z.literal('delete'), object: ZKey.optional(), objects: z.array(ZKey).optional() })
  .refine((d) => (d.object === undefined) !== (d.objects === undefined));
const ZCreateMultipart = z.object({
  method: z.literal('createMultipartUpload'),
  object: ZKey,
  customFields: ZCustomFields.optional(),
  httpFields: ZHttpFields.optional(),
  storageClass: ZStorageClass.optional(),
});
const ZUploadPart = z.object({
  method: z.literal('uploadPart'),
  object: ZKey,
  uploadId: z.string(),
  partNumber: z.number(),
});
const ZComplete = z.object({
  method: z.literal('completeMultipartUpload'),
  object: ZKey,
  uploadId: z.string(),
  /** Note `part`, not `partNumber`. */
  parts: z.array(z.object({ etag: z.string(), part: z.number() })),
});
const ZAbort = z.object({ method: z.literal('abortMultipartUpload'), object: ZKey, uploadId: z.string() });

/** GET requests: the descriptor travels in the `cf-r2-request` header. */
export const ZReadDescriptor = z.discriminatedUnion('method', [ZHead, ZGet, ZList]);
/** PUT requests: the descriptor is the first `cf-r2-metadata-size` bytes of the body. */
export const ZWriteDescriptor = z.union([ZPut, ZDelete, ZCreateMultipart, ZUploadPart, ZComplete, ZAbort]);

export type ReadDescriptor = z.infer<typeof ZReadDescriptor>;
export type WriteDescriptor = z.infer<typeof ZWriteDescriptor>;
export type GetDescriptor = z.infer<typeof ZGet>;
export type ListDescriptor = z.infer<typeof ZList>;
export type PutDescriptor = z.infer<typeof ZPut>;
export type DeleteDescriptor = z.infer<typeof ZDelete>;
export type CreateMultipartDescriptor = z.infer<typeof ZCreateMultipart>;
export type UploadPartDescriptor = z.infer<typeof ZUploadPart>;
export type CompleteDescriptor = z.infer<typeof ZComplete>;
export type AbortDescriptor = z.infer<typeof ZAbort>;

function parseWith<T>(schema: z.ZodType<T>, json: string | undefined): T {
  if (json === undefined) throw invalidMetadata();
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw invalidMetadata(err);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw invalidMetadata(parsed.error);
  return parsed.data;
}

export const parseReadDescriptor = (header: string | undefined): ReadDescriptor => parseWith(ZReadDescriptor, header);

export const parseWriteDescriptor = (json: string): WriteDescriptor => parseWith(ZWriteDescriptor, json);

/**
 * R2 keeps one value per custom metadata key (the runtime builds a record; the last value wins),
 * in JavaScript's own key order, which is what a Worker sees from `Object.entries` on Cloudflare.
 */
export function normalizeCustomFields(fields: readonly CustomField[] | undefined): CustomField[] {
  const record = Object.fromEntries((fields ?? []).map(({ k, v }) => [k, v])) as Record<string, string>;
  return Object.entries(record).map(([k, v]) => ({ k, v }));
}
