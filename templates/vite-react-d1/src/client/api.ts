import type { Stats, Todo } from '../shared/types';

// Paths are relative to the page, so the app also works under a path prefix (the preview proxy serves
// it at /preview/<instance>/).
async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, { ...init, headers: { 'content-type': 'application/json', ...init?.headers } });
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

export const api = {
  list: () => call<Todo[]>('api/todos'),
  add: (title: string) => call<Todo>('api/todos', { method: 'POST', body: JSON.stringify({ title }) }),
  toggle: (id: number) => call<Todo>(`api/todos/${id}`, { method: 'PATCH' }),
  remove: (id: number) => call<void>(`api/todos/${id}`, { method: 'DELETE' }),
  stats: () => call<Stats>('api/stats'),
};
