import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A test app with two Durable Object classes: a counter (SQL API, KV API, transactions,
 * blockConcurrencyWhile, alarms, and values only structured clone carries) and a chat room
 * (WebSocket hibernation API, history in SQL).
 */
const WORKER = `import { DurableObject } from 'cloudflare:workers';

export class Counter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS hits (n INTEGER NOT NULL)');
      this.loaded = true;
    });
  }
  async increment() {
    // One transaction: the SQL row and the KV mirror change together or not at all.
    return this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec('INSERT INTO hits (n) VALUES (1)');
      const n = this.ctx.storage.sql.exec('SELECT count(*) AS c FROM hits').one().c;
      this.ctx.storage.kv.put('count', n);
      return n;
    });
  }
  async read() {
    const sql = this.ctx.storage.sql.exec('SELECT count(*) AS c FROM hits').one().c;
    const kv = (await this.ctx.storage.get('count')) ?? 0;
    const list = Object.fromEntries(await this.ctx.storage.list({ prefix: 'alarm' }));
    return { sql, kv, loaded: this.loaded, alarms: list, alarm: await this.ctx.storage.getAlarm() };
  }
  async failTransaction() {
    try {
      await this.ctx.storage.transaction(async (txn) => {
        await txn.put('count', -1);
        throw new Error('rolled back');
      });
    } catch {}
    return this.read();
  }
  async arm(ms) {
    await this.ctx.storage.setAlarm(Date.now() + ms);
    return this.ctx.storage.getAlarm();
  }
  async disarm() {
    await this.ctx.storage.deleteAlarm();
    return this.ctx.storage.getAlarm();
  }
  async remember() {
    // Values JSON cannot carry, for the export: structured clone in _cf_KV, a BLOB and an int64 in SQL.
    await this.ctx.storage.put('rich', {
      at: new Date(Date.UTC(2026, 0, 2)),
      tags: new Set(['x', 'y']),
      bytes: new Uint8Array([0, 1, 255]),
      big: 2n ** 70n,
      scores: new Map([['ana', 1.5]]),
    });
    this.ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body BLOB, big INTEGER)');
    this.ctx.storage.sql.exec('INSERT OR REPLACE INTO notes VALUES (7, ?, 9223372036854775807)', new Uint8Array([9, 8, 7]).buffer);
    return { ok: true };
  }
  async recall() {
    const v = await this.ctx.storage.get('rich');
    const note = this.ctx.storage.sql.exec('SELECT id, hex(body) AS body, CAST(big AS TEXT) AS big FROM notes').toArray();
    return {
      at: v.at instanceof Date ? v.at.toISOString() : null,
      tags: v.tags instanceof Set ? [...v.tags] : null,
      bytes: v.bytes instanceof Uint8Array ? [...v.bytes] : null,
      big: typeof v.big === 'bigint' ? v.big.toString() : null,
      scores: v.scores instanceof Map ? [...v.scores] : null,
      note,
    };
  }
  async alarm() {
    const fired = ((await this.ctx.storage.get('alarm:fired')) ?? 0) + 1;
    await this.ctx.storage.put('alarm:fired', fired);
  }
}

export class ChatRoom extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, text TEXT NOT NULL)');
  }
  async fetch(request) {
    if (request.headers.get('upgrade') !== 'websocket') {
      return Response.json(this.ctx.storage.sql.exec('SELECT text FROM messages ORDER BY id').toArray().map((r) => r.text));
    }
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }
  async webSocketMessage(ws, message) {
    this.ctx.storage.sql.exec('INSERT INTO messages (text) VALUES (?)', String(message));
    for (const peer of this.ctx.getWebSockets()) peer.send(String(message));
  }
  async webSocketClose(ws, code) {
    ws.close(code, 'bye');
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const [, kind, name, action] = url.pathname.split('/');
    if (kind === 'counter') {
      const stub = env.COUNTER.get(env.COUNTER.idFromName(name));
      if (action === 'inc') return Response.json({ n: await stub.increment() });
      if (action === 'fail') return Response.json(await stub.failTransaction());
      if (action === 'arm') return Response.json({ alarm: await stub.arm(Number(url.searchParams.get('ms'))) });
      if (action === 'disarm') return Response.json({ alarm: await stub.disarm() });
      if (action === 'remember') return Response.json(await stub.remember());
      if (action === 'recall') return Response.json(await stub.recall());
      return Response.json(await stub.read());
    }
    if (kind === 'room') return env.ROOM.get(env.ROOM.idFromName(name)).fetch(request);
    return new Response('not found', { status: 404 });
  },
};
`;

export const DO_APP_WRANGLER = {
  name: 'do-app',
  main: 'src/index.js',
  compatibility_date: '2025-09-01',
  durable_objects: {
    bindings: [
      { name: 'COUNTER', class_name: 'Counter' },
      { name: 'ROOM', class_name: 'ChatRoom' },
    ],
  },
  migrations: [{ tag: 'v1', new_sqlite_classes: ['Counter', 'ChatRoom'] }],
};

export async function writeDoApp(appDir: string): Promise<void> {
  await mkdir(join(appDir, 'src'), { recursive: true });
  await writeFile(join(appDir, 'src', 'index.js'), WORKER);
  await writeFile(join(appDir, 'wrangler.jsonc'), JSON.stringify(DO_APP_WRANGLER, null, 2));
}

/** Opens a WebSocket and collects what it receives. */
export async function openSocket(url: string): Promise<{ ws: WebSocket; received: string[] }> {
  const ws = new WebSocket(url);
  const received: string[] = [];
  ws.addEventListener('message', (e) => received.push(String(e.data)));
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`WebSocket ${url} failed to open`)), { once: true });
  });
  return { ws, received };
}
