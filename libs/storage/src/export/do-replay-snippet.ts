import type { DoDump } from './do-dump.js';
import { decodeSqlValue, decodeValue } from './do-value-codec.js';

/** The parts of a Durable Object's `ctx.storage` the replay uses (Cloudflare's API). */
interface ReplayStorage {
  readonly sql: { exec(query: string, ...bindings: unknown[]): unknown };
  transactionSync<T>(fn: () => T): T;
  list(): Promise<Map<string, unknown>>;
  put(entries: Record<string, unknown>): Promise<void>;
  delete(keys: string[]): Promise<number>;
  setAlarm(scheduledTime: number): Promise<void>;
  deleteAlarm(): Promise<void>;
}

interface ReplayNamespace {
  idFromName(name: string): { toString(): string };
  newUniqueId(): { toString(): string };
  get(id: unknown): { kilnReplay(dump: unknown): Promise<unknown> };
}

// The functions below run inside the Cloudflare Worker: the snippet embeds their compiled source
// (Function.prototype.toString), so they use only Worker globals and each other.

/**
 * Makes the object's state the exported one: the SQL tables in one synchronous transaction
 * (created if the constructor has not, emptied, refilled with rowids kept), then the KV-API keys
 * (keys not in the export deleted, the rest put in batches of 128, Cloudflare's limit per call),
 * then the alarm. Running it twice gives the same state.
 */
export async function replayState(
  ctx: { storage: ReplayStorage },
  dump: DoDump,
): Promise<{ rows: number; kv: number; alarm: number | null }> {
  if (dump?.format !== 'kiln-do-dump/1') throw new Error('kiln replay: not a kiln-do-dump/1 document');
  const storage = ctx.storage;
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  let rows = 0;
  if (dump.schema.length > 0) {
    let sql: ReplayStorage['sql'] | undefined;
    try {
      sql = storage.sql;
    } catch {
      sql = undefined;
    }
    if (!sql) throw new Error('kiln replay: this class has no SQL storage; declare it in new_sqlite_classes');
    const exec = sql.exec.bind(sql);
    storage.transactionSync(() => {
      // Rows go in table by table; references between tables are checked at the end.
      exec('PRAGMA defer_foreign_keys = ON');
      for (const s of dump.schema) if (s.type === 'table') exec(s.sql);
      for (const table of dump.tables) {
        exec(`DELETE FROM ${quote(table.name)}`);
        const columns = [...(table.rowid ? ['rowid'] : []), ...table.columns.map(quote)].join(', ');
        for (const row of table.rows) {
          // Integers beyond 2^53 travel as text and become integers again in SQLite.
          const marks = row.map((v) =>
            v !== null && typeof v === 'object' && '$int' in v ? 'CAST(? AS INTEGER)' : '?',
          );
          exec(
            `INSERT INTO ${quote(table.name)} (${columns}) VALUES (${marks.join(', ')})`,
            ...row.map(decodeSqlValue),
          );
          rows++;
        }
      }
      for (const s of dump.schema) if (s.type !== 'table') exec(s.sql);
    });
  }
  const wanted = new Map(dump.kv.map(([key, value]) => [key, decodeValue(value)]));
  const stale = [...(await storage.list()).keys()].filter((key) => !wanted.has(key));
  for (let i = 0; i < stale.length; i += 128) await storage.delete(stale.slice(i, i + 128));
  const entries = [...wanted];
  for (let i = 0; i < entries.length; i += 128) await storage.put(Object.fromEntries(entries.slice(i, i + 128)));
  if (dump.alarm === null) await storage.deleteAlarm();
  else await storage.setAlarm(dump.alarm);
  return { rows, kv: wanted.size, alarm: dump.alarm };
}

/**
 * `POST /__kiln/replay/<Class>[?name=<name>]` with one object's dump as the body and
 * `authorization: Bearer <KILN_REPLAY_TOKEN>`. With a name the object is `idFromName(name)`, the
 * same object the app reaches by that name; without one it is a new `newUniqueId()`, returned so
 * the caller can update whatever referred to the old id.
 */
export async function handleReplayWith(
  request: Request,
  env: Record<string, unknown>,
  bindings: Record<string, string>,
): Promise<Response> {
  const url = new URL(request.url);
  const match = /^\/__kiln\/replay\/([A-Za-z_$][\w$]*)$/.exec(url.pathname);
  if (!match || request.method !== 'POST') return new Response('not found', { status: 404 });
  const token = env['KILN_REPLAY_TOKEN'];
  const given = new TextEncoder().encode(request.headers.get('authorization') ?? '');
  const expected = new TextEncoder().encode(`Bearer ${String(token)}`);
  const subtle = crypto.subtle as unknown as { timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean };
  if (
    typeof token !== 'string' ||
    token.length < 16 ||
    given.byteLength !== expected.byteLength ||
    !subtle.timingSafeEqual(given, expected)
  )
    return new Response('forbidden', { status: 403 });
  const className = match[1] ?? '';
  const binding = Object.hasOwn(bindings, className) ? bindings[className] : undefined;
  const namespace = binding ? (env[binding] as ReplayNamespace | undefined) : undefined;
  if (!namespace) return new Response(`no Durable Object binding for class ${className}`, { status: 404 });
  const name = url.searchParams.get('name');
  const id = name === null ? namespace.newUniqueId() : namespace.idFromName(name);
  const result = await namespace.get(id).kilnReplay(await request.json());
  return Response.json({ class: className, name, id: id.toString(), result });
}

/**
 * `kiln-replay.js`, to copy into the app's Worker on Cloudflare. `bindings` maps each class to its
 * binding name in wrangler.jsonc.
 */
export function replaySnippet(appId: string, bindings: Record<string, string>): string {
  const fn = (f: (...args: never[]) => unknown) => `export ${f.toString()}`;
  return `// Generated by \`npm run export -- do\` for Kiln app ${appId}: replays exported Durable Object
// state into the same classes on Cloudflare.
//
// 1. Copy this file next to your Worker's entry module.
// 2. In every Durable Object class listed below, add
//      kilnReplay(dump) { return replayState(this.ctx, dump); }
//    and import { replayState, handleReplay } from './kiln-replay.js'.
// 3. First thing in the Worker's fetch handler:
//      if (new URL(request.url).pathname.startsWith('/__kiln/replay/')) return handleReplay(request, env);
// 4. \`npx wrangler secret put KILN_REPLAY_TOKEN\` (16+ characters), deploy, run replay.sh.
// 5. Remove the route, the method and the secret, and deploy again.
//
// Objects Kiln knew by name are recreated with idFromName(name): Cloudflare derives its own id,
// so the 64-hex ids differ but the app reaches the same object by the same name. Objects created
// with newUniqueId() cannot get their old id back; each one gets a new id (printed in the reply),
// and whatever stored the old id must be updated. Alarms are set again from the export.

/** Durable Object class -> binding name in wrangler.jsonc. */
export const KILN_REPLAY_BINDINGS = ${JSON.stringify(bindings, null, 2)};

export function handleReplay(request, env) {
  return handleReplayWith(request, env, KILN_REPLAY_BINDINGS);
}

${fn(handleReplayWith)}

${fn(replayState)}

${fn(decodeValue)}

${fn(decodeSqlValue)}
`;
}
