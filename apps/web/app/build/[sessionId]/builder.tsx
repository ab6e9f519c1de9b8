'use client';

import Link from 'next/link';
import { useEffect, useState } from 'react';
import type { TAgentClientMessage } from '@kiln/contracts';
import { conversationOf, displayStatus, planOf, type TBuildStatus } from '../../../lib/session-view';
import { ChecksPanel } from './checks-panel';
import { CodeView } from './code-view';
import { ConversationPanel } from './conversation-panel';
import { FilesPanel } from './files-panel';
import { PlanPanel } from './plan-panel';
import { PreviewPanel } from './preview-panel';
import { promptKey } from '../../../lib/prompt-key';
import { useSessionStream } from './use-session-stream';

const STATUS_LABELS: Record<TBuildStatus, string> = {
  building: 'Building',
  complete: 'Complete',
  stopped: 'Stopped',
  failed: 'Failed',
};

/** "Building Prioritised todos on the vite-react-d1 template" → its title and template. */
function titleOf(headline: string | undefined, prompt: string | null): { title: string; template?: string } {
  const fallback = prompt ?? 'Your app';
  const match = /^Building (?:(.+?) )?on the (.+) template$/.exec(headline ?? '');
  if (!match) return { title: headline ? headline : fallback };
  return { title: match[1] ?? fallback, template: match[2] };
}

/** The builder: a session's plan, files, checks, preview and conversation, live. */
export function Builder({ sessionId }: { sessionId: string }) {
  const { state, send, reconnect } = useSessionStream(sessionId);
  const { view } = state;
  const status = displayStatus(state);
  const [selected, setSelected] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The prompt is not an event: the home page leaves it for this tab (an agentic run has no title).
  const [prompt, setPrompt] = useState<string | null>(null);
  useEffect(() => setPrompt(sessionStorage.getItem(promptKey(sessionId))), [sessionId]);
  const { title, template } = titleOf(view.headline, state.snapshot?.title ?? state.snapshot?.query ?? prompt);
  const plan = planOf(state);
  // An agentic run has no plan: it announces no files to plan.
  const planned =
    state.snapshot?.mode !== 'agentic' &&
    (plan.phases.length + plan.waiting.length > 0 ||
      view.review !== undefined ||
      view.headline === undefined ||
      view.totalFiles > 0);

  const act = async (message: TAgentClientMessage) => {
    setBusy(true);
    setActionError(null);
    try {
      await send(message);
    } catch (err) {
      setActionError(err instanceof Error ? err.message : String(err));
      throw err;
    } finally {
      setBusy(false);
    }
  };

  // Without a choice the code view follows the file being written, else the latest one.
  const followed = view.files.findLast((f) => f.streaming !== null) ?? view.files.at(-1);
  const shown = view.files.find((f) => f.path === selected) ?? followed;
  const generated = view.files.filter((f) => f.versions > 0).length;

  return (
    <main className="builder">
      <header className="build-head">
        <Link href="/" className="mini-brand" aria-label="Kiln home">
          <span className="logo small-logo" aria-hidden>
            ▲
          </span>
          <span>Kiln</span>
        </Link>
        <div className="build-title">
          <h1 title={title}>{title}</h1>
          <p className="muted">
            {template ? `${template} template · ` : ''}
            {generated} {view.totalFiles > 0 ? `of ${view.totalFiles} ` : ''}
            {generated === 1 && view.totalFiles === 0 ? 'file' : 'files'}
            {state.connection === 'live' ? ' · live' : ''}
          </p>
        </div>
        <span className={`pill status-${status}`} role="status" data-testid="build-status" data-status={status}>
          {status === 'building' && <span className="spinner" aria-hidden />}
          {STATUS_LABELS[status]}
        </span>
        <div className="head-actions">
          <button
            type="button"
            onClick={() => void act({ type: 'stop_generation' }).catch(() => undefined)}
            disabled={busy || status !== 'building'}
          >
            Stop
          </button>
          <button
            type="button"
            onClick={() => void act({ type: 'resume_generation' }).catch(() => undefined)}
            disabled={busy || (status !== 'stopped' && status !== 'failed')}
          >
            Resume
          </button>
        </div>
      </header>

      {actionError && (
        <p className="banner fail" role="alert">
          {actionError}
        </p>
      )}
      {state.connection === 'error' && (
        <div className="banner fail" role="alert">
          <span>{state.connectionError}</span>
          <button type="button" onClick={reconnect}>
            Reconnect
          </button>
        </div>
      )}
      {status === 'failed' && view.failure && (
        <p className="banner fail" role="alert" data-testid="failure">
          <strong>The build failed{view.failure.code ? ` (${view.failure.code})` : ''}:</strong> {view.failure.message}
        </p>
      )}

      <div className="build-grid">
        <div className="build-left">
          {planned && (
            <PlanPanel
              phases={plan.phases}
              waiting={plan.waiting}
              review={view.review}
              building={status === 'building'}
            />
          )}
          <FilesPanel files={view.files} shown={shown?.path} onSelect={setSelected} />
          <ChecksPanel staticAnalysis={view.staticAnalysis} runtimeErrors={view.runtimeErrors} />
          <ConversationPanel
            items={conversationOf(state)}
            onSend={(text) => act({ type: 'user_suggestion', message: text })}
          />
          {view.unknown.count > 0 && (
            <p className="muted small" data-testid="unknown-events">
              {view.unknown.count} event{view.unknown.count === 1 ? '' : 's'} of unknown kinds ignored (
              {view.unknown.types.join(', ')})
            </p>
          )}
        </div>
        <div className="build-right">
          <PreviewPanel preview={view.preview} building={status === 'building'} />
          <CodeView file={shown} following={selected === null} onFollow={() => setSelected(null)} />
        </div>
      </div>
    </main>
  );
}
