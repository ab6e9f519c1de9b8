import { type FormEvent, useEffect, useState } from 'react';
import type { Stats, Todo } from '../shared/types';
import { api } from './api';

export function App() {
  const [todos, setTodos] = useState<Todo[]>([]);
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string>();
  const [stats, setStats] = useState<Stats>();

  const run = (action: () => Promise<void>) => {
    action().catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  };

  useEffect(() => {
    run(async () => setTodos(await api.list()));
    run(async () => setStats(await api.stats()));
  }, []);

  const add = (e: FormEvent) => {
    e.preventDefault();
    if (!title.trim()) return;
    run(async () => {
      const todo = await api.add(title);
      setTodos((all) => [...all, todo]);
      setTitle('');
    });
  };

  const toggle = (id: number) =>
    run(async () => {
      const updated = await api.toggle(id);
      setTodos((all) => all.map((t) => (t.id === id ? updated : t)));
    });

  const remove = (id: number) =>
    run(async () => {
      await api.remove(id);
      setTodos((all) => all.filter((t) => t.id !== id));
    });

  return (
    <main>
      <h1>Todos</h1>
      {error && <p className="error">{error}</p>}
      <form onSubmit={add}>
        <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="What needs doing?" />
        <button type="submit">Add</button>
      </form>
      <ul>
        {todos.map((t) => (
          <li key={t.id} className={t.done ? 'done' : undefined}>
            <label>
              <input type="checkbox" checked={t.done} onChange={() => toggle(t.id)} />
              {t.title}
            </label>
            <button onClick={() => remove(t.id)} aria-label={`Delete ${t.title}`}>
              ×
            </button>
          </li>
        ))}
      </ul>
      {stats && (
        <footer>
          {stats.views} page views (KV) · {stats.todos} todos when the page loaded (D1)
        </footer>
      )}
    </main>
  );
}
