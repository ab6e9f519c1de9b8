'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import type { TEnvelope } from '@kiln/contracts';
import { promptKey } from '../lib/prompt-key';

type Mode = 'phasic' | 'agentic';
const MODES: { value: Mode; label: string; hint: string }[] = [
  { value: 'phasic', label: 'Phased (plan, then build)', hint: 'A blueprint first, then the app phase by phase.' },
  { value: 'agentic', label: 'Agentic (tools)', hint: 'The model edits and checks the app with tools.' },
];

/** The prompt form: starts an agent session and opens its builder page. */
export function NewAppForm() {
  const router = useRouter();
  const [prompt, setPrompt] = useState('');
  const [mode, setMode] = useState<Mode>('phasic');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await fetch('/api/agent', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt, mode }),
      });
      const body = (await res.json()) as TEnvelope<{ sessionId: string }>;
      if (!body.success) throw new Error(body.error.message);
      sessionStorage.setItem(promptKey(body.data.sessionId), prompt.trim());
      router.push(`/build/${encodeURIComponent(body.data.sessionId)}`);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  return (
    <form className="card new-app" aria-labelledby="new-app-title" onSubmit={(e) => void submit(e)}>
      <div className="card-head">
        <h2 id="new-app-title">Describe your app</h2>
      </div>
      <label className="visually-hidden" htmlFor="prompt">
        Describe your app
      </label>
      <textarea
        id="prompt"
        name="prompt"
        rows={5}
        required
        maxLength={8000}
        placeholder="A todo list where each todo has a priority, stored in a D1 table…"
        value={prompt}
        onChange={(e) => setPrompt(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) e.currentTarget.form?.requestSubmit();
        }}
      />
      <fieldset className="modes">
        <legend>Mode</legend>
        {MODES.map((m) => (
          <label key={m.value} className={`mode${mode === m.value ? ' selected' : ''}`}>
            <input
              type="radio"
              name="mode"
              value={m.value}
              checked={mode === m.value}
              onChange={() => setMode(m.value)}
            />
            <span>
              <span className="mode-label">{m.label}</span>
              <span className="muted mode-hint">{m.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <div className="form-foot">
        {error ? (
          <p className="error" role="alert" data-testid="start-error">
            {error}
          </p>
        ) : (
          <p className="muted small-inline">⌘/Ctrl + Enter to build</p>
        )}
        <button type="submit" className="primary" disabled={busy || prompt.trim() === ''}>
          {busy ? 'Starting…' : 'Build'}
        </button>
      </div>
    </form>
  );
}
