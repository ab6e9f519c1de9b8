import type { Redis } from 'ioredis';
import { systemClock, type Clock } from '../clock.js';
import type { BindingService, TenantRef, WireRequest, WireResponse } from '../gateway/wire.js';
import { readBounded } from './kv-body.js';
import { bulkGetResponseBody, parseBulkGetRequest } from './kv-bulk.js';
import { KvHttpError } from './kv-errors.js';
import { toExportEntry, type KvExportEntry } from './kv-export.js';
import { namespaceKeys, type KvNamespaceKeys } from './kv-keys.js';
import { listRange, listResponseBody, encodeCursor } from './kv-list.js';
import { parseKvRequest } from './kv-request.js';
import { KvStore } from './kv-store.js';
import { KV_LIMITS, valueTooLarge } from './kv-validate.js';

export interface KvServiceOptions {
  /** Decides expiry; tests pass a ManualClock instead of sleeping. */
  clock?: Clock;
}

/** 100 keys of 512 bytes, JSON-escaped at worst, fit comfortably. */
const MAX_BULK_BODY_BYTES = 1024 * 1024;
const EXPORT_PAGE = 1000;
const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * Cloudflare KV semantics over Redis, speaking the wire protocol of workerd's KV client
 * (docs: shared/notes/remote-bindings.md §4). Answers and error wording follow Miniflare's local
 * KV, which is what `wrangler dev` users see.
 */
export class KvService implements BindingService {
  private readonly clock: Clock;
  private readonly store: KvStore;

  constructor(redis: Redis, options: KvServiceOptions = {}) {
    this.clock = options.clock ?? systemClock;
    // Under any other clock Redis' own expiry would disagree with the clock the tests move.
    this.store = new KvStore(redis, this.clock === systemClock);
  }

  async handle(ref: TenantRef, req: WireRequest): Promise<WireResponse> {
    const ns = namespaceKeys(ref);
    try {
      const op = parseKvRequest(req, Math.floor(this.clock.now() / 1000));
      switch (op.kind) {
        case 'get':
          return await this.get(ns, op.key);
        case 'bulk-get':
          return await this.bulkGet(ns, req);
        case 'put':
          await this.put(ns, req, op.key, op.expiration, op.metadata);
          return { status: 200 };
        case 'delete':
          await this.store.delete(ns, op.key);
          return { status: 200 };
        case 'list': {
          // One extra key tells whether another page exists.
          const entries = await this.store.listPage(
            ns,
            listRange(op.prefix, op.cursor),
            op.limit + 1,
            this.clock.now(),
          );
          return { status: 200, headers: JSON_HEADERS, body: listResponseBody(entries, op.limit) };
        }
      }
    } catch (error) {
      if (error instanceof KvHttpError) return error.toResponse();
      throw error;
    }
  }

  /** Every live key of a namespace, as `wrangler kv bulk put` accepts it. */
  async exportNamespace(ref: TenantRef): Promise<KvExportEntry[]> {
    const ns = namespaceKeys(ref);
    const out: KvExportEntry[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await this.store.listPage(ns, listRange('', cursor), EXPORT_PAGE, this.clock.now());
      const values = await this.store.values(
        ns,
        page.map((entry) => entry.key),
      );
      page.forEach((entry, i) => {
        const value = values[i];
        if (value) out.push(toExportEntry(entry, value));
      });
      const last = page.at(-1);
      if (page.length < EXPORT_PAGE || last === undefined) return out;
      cursor = encodeCursor(last.key);
    }
  }

  /** Removes all of a namespace's data (admin wipe, namespace deletion). */
  async deleteNamespace(ref: TenantRef): Promise<void> {
    await this.store.wipe(namespaceKeys(ref));
  }

  private async get(ns: KvNamespaceKeys, key: string): Promise<WireResponse> {
    const entry = await this.store.get(ns, key, this.clock.now());
    // A missing key must be a bare 404: workerd turns exactly that into `null`.
    if (entry === null) throw new KvHttpError(404, 'Not Found');
    const headers: Record<string, string> = {};
    if (entry.expiration !== undefined) headers['CF-Expiration'] = String(entry.expiration);
    if (entry.metadata !== undefined) headers['CF-KV-Metadata'] = entry.metadata;
    return { status: 200, headers, body: entry.value };
  }

  private async bulkGet(ns: KvNamespaceKeys, req: WireRequest): Promise<WireResponse> {
    const body = await readBounded(req.body, MAX_BULK_BODY_BYTES);
    if (!body.ok) {
      throw new KvHttpError(413, `Bulk get request body exceeds the limit of ${MAX_BULK_BODY_BYTES} bytes.`);
    }
    const request = parseBulkGetRequest(new TextDecoder().decode(body.data));
    const values = await this.store.getMany(ns, request.keys, this.clock.now());
    return { status: 200, headers: JSON_HEADERS, body: bulkGetResponseBody(request, values) };
  }

  private async put(
    ns: KvNamespaceKeys,
    req: WireRequest,
    key: string,
    expiration: number | undefined,
    metadata: string | undefined,
  ): Promise<void> {
    const declared = req.contentLength ?? parseContentLength(req.headers['content-length']);
    // Refuse before reading a byte when the client announced the size (every non-stream put does).
    if (declared !== undefined && declared > KV_LIMITS.maxValueBytes) throw valueTooLarge(declared);
    const body = await readBounded(req.body, KV_LIMITS.maxValueBytes);
    if (!body.ok) throw valueTooLarge(body.received);
    await this.store.put(ns, key, { value: body.data, expiration, metadata }, this.clock.now());
  }
}

function parseContentLength(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = parseInt(raw, 10);
  return Number.isNaN(n) ? undefined : n;
}
