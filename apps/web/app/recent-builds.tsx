import Link from 'next/link';
import type { TEnvelope } from '@kiln/contracts';
import { callApi } from '../lib/api-proxy';

interface RecentSession {
  sessionId: string;
  mode: 'phasic' | 'agentic';
  status: string;
  title: string | null;
  query: string;
  updatedAt: string;
}

const STATUS_LABELS: Record<string, string> = {
  new: 'New',
  running: 'Building',
  stopped: 'Stopped',
  failed: 'Failed',
  complete: 'Complete',
};

/** The latest sessions, newest first, each a way back to its builder page (server-rendered). */
export async function RecentBuilds() {
  const res = await callApi('/api/agent?limit=10');
  const body = (await res.json().catch(() => null)) as TEnvelope<RecentSession[]> | null;
  if (!body?.success || body.data.length === 0) return null;
  return (
    <section className="card recent" aria-labelledby="recent-title">
      <h2 id="recent-title">Recent builds</h2>
      <ul className="recent-list" data-testid="recent-builds">
        {body.data.map((s) => (
          <li key={s.sessionId}>
            <Link href={`/build/${encodeURIComponent(s.sessionId)}`} className="recent-link">
              <span className="recent-name">{s.title ?? s.query}</span>
              <span className="muted small-inline">
                {s.mode === 'agentic' ? 'agentic · ' : ''}
                {new Date(s.updatedAt).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })}
              </span>
              <span className={`pill status-${s.status === 'running' ? 'building' : s.status}`}>
                {STATUS_LABELS[s.status] ?? s.status}
              </span>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
