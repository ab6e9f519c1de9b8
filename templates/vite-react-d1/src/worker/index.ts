import type { Stats, Todo } from '../shared/types';
import { database } from './schema';

export interface Env {
  DB: D1Database;
  KV: KVNamespace;
  ASSETS: Fetcher;
}

interface TodoRow {
  id: number;
  title: string;
  done: number;
  created_at: string;
}

const toTodo = (r: TodoRow): Todo => ({ id: r.id, title: r.title, done: r.done === 1, createdAt: r.created_at });

const json = (body: unknown, status = 200) => Response.json(body, { status });

async function readTitle(request: Request): Promise<string | undefined> {
  const body: unknown = await request.json().catch(() => undefined);
  const title = typeof body === 'object' && body !== null && 'title' in body ? body.title : undefined;
  return typeof title === 'string' && title.trim() ? title.trim().slice(0, 200) : undefined;
}

/** The JSON API under /api; every other path is the built React app (assets). */
export default {
  async fetch(request, env): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (!pathname.startsWith('/api/')) return env.ASSETS.fetch(request);
    const method = request.method;
    const todo = /^\/api\/todos\/(\d+)$/.exec(pathname);
    const id = Number(todo?.[1]);

    if (pathname === '/api/health') return json({ ok: true });
    if (pathname === '/api/todos' && method === 'GET') {
      const db = await database(env.DB);
      const { results } = await db.prepare('SELECT * FROM todos ORDER BY id').all<TodoRow>();
      return json(results.map(toTodo));
    }
    if (pathname === '/api/todos' && method === 'POST') {
      const title = await readTitle(request);
      if (!title) return json({ error: 'title is required' }, 400);
      const db = await database(env.DB);
      const row = await db.prepare('INSERT INTO todos (title) VALUES (?) RETURNING *').bind(title).first<TodoRow>();
      return json(row && toTodo(row), 201);
    }
    if (todo && method === 'PATCH') {
      const db = await database(env.DB);
      const row = await db
        .prepare('UPDATE todos SET done = 1 - done WHERE id = ? RETURNING *')
        .bind(id)
        .first<TodoRow>();
      return row ? json(toTodo(row)) : json({ error: 'no such todo' }, 404);
    }
    if (todo && method === 'DELETE') {
      const db = await database(env.DB);
      await db.prepare('DELETE FROM todos WHERE id = ?').bind(id).run();
      return new Response(null, { status: 204 });
    }
    if (pathname === '/api/stats' && method === 'GET') {
      // KV suits a counter read on every page view; the todos themselves are rows in D1.
      const views = Number((await env.KV.get('views')) ?? '0') + 1;
      await env.KV.put('views', String(views));
      const db = await database(env.DB);
      const stats: Stats = {
        todos: (await db.prepare('SELECT COUNT(*) AS n FROM todos').first<number>('n')) ?? 0,
        views,
      };
      return json(stats);
    }
    return json({ error: `no route for ${method} ${pathname}` }, 404);
  },
} satisfies ExportedHandler<Env>;
