'use client';

import { useEffect, useState } from 'react';
import type { TEnvelope, TReadiness } from '@kiln/contracts';

const POLL_MS = 3000;
const LABELS: Record<string, string> = { postgres: 'PostgreSQL', redis: 'Redis' };

type State =
  { kind: 'loading' } | { kind: 'report'; report: TReadiness; at: Date } | { kind: 'error'; message: string; at: Date };

/** Live view of the API's /readyz, refreshed every few seconds. */
export function Readiness() {
  const [state, setState] = useState<State>({ kind: 'loading' });

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const res = await fetch('/api/readiness', { cache: 'no-store' });
        const body = (await res.json()) as TEnvelope<TReadiness>;
        if (!cancelled) {
          setState(
            body.success
              ? { kind: 'report', report: body.data, at: new Date() }
              : { kind: 'error', message: body.error.message, at: new Date() },
          );
        }
      } catch (err) {
        if (!cancelled) setState({ kind: 'error', message: `web server unreachable: ${String(err)}`, at: new Date() });
      }
      if (!cancelled) timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, []);

  return (
    <section className="card" aria-labelledby="readiness-title" data-testid="readiness">
      <div className="card-head">
        <h2 id="readiness-title">System status</h2>
        {state.kind === 'report' && (
          <span className={`pill ${state.report.status}`} data-testid="overall">
            {state.report.status === 'ok' ? 'Ready' : 'Not ready'}
          </span>
        )}
        {state.kind === 'error' && <span className="pill fail">API unreachable</span>}
      </div>
      {state.kind === 'loading' && <p className="muted">Checking the API…</p>}
      {state.kind === 'error' && <p className="error">{state.message}</p>}
      {state.kind === 'report' && (
        <ul className="checks">
          {Object.entries(state.report.checks).map(([name, check]) => (
            <li key={name} data-testid={`check-${name}`} data-status={check.status}>
              <span className={`dot ${check.status}`} aria-hidden />
              <span className="name">{LABELS[name] ?? name}</span>
              <span className="status">{check.status === 'ok' ? 'ok' : 'failing'}</span>
              <span className="muted">{check.status === 'ok' ? `${check.latencyMs.toFixed(1)} ms` : check.error}</span>
            </li>
          ))}
        </ul>
      )}
      {state.kind !== 'loading' && (
        <p className="muted small">
          Updated {state.at.toLocaleTimeString()} · refreshes every {POLL_MS / 1000} s
        </p>
      )}
    </section>
  );
}
