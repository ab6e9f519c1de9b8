import { useState, type FormEvent } from 'react';
import type { ConversationItem } from '../../../lib/session-view';

const TOOL_MARKS = { start: '…', success: '✓', error: '✕' } as const;

/** What the agent said (tool calls as one line each), errors, and the box for a follow-up request. */
export function ConversationPanel({
  items,
  onSend,
}: {
  items: ConversationItem[];
  onSend: (text: string) => Promise<void>;
}) {
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const message = text.trim();
    if (message === '') return;
    setSending(true);
    try {
      await onSend(message);
      setText('');
    } catch {
      // The builder shows the error; the text stays to send again.
    } finally {
      setSending(false);
    }
  };

  return (
    <section className="card panel" aria-labelledby="conversation-title">
      <div className="card-head">
        <h2 id="conversation-title">Conversation</h2>
      </div>
      {items.length === 0 && <p className="muted">The agent’s messages and errors appear here.</p>}
      <ol className="conversation" data-testid="conversation">
        {items.map((item, i) => (
          <li key={`${item.kind}:${item.seq}:${i}`} className={`msg ${item.kind}`}>
            {item.kind === 'tool' ? (
              <>
                <span className={`tool-mark ${item.status}`} aria-label={item.status}>
                  {TOOL_MARKS[item.status]}
                </span>
                <code>{item.name}</code>
                {item.result && (
                  <span className="muted tool-result" title={item.result}>
                    {item.result.split('\n')[0]}
                  </span>
                )}
              </>
            ) : item.kind === 'error' ? (
              <>
                <strong>
                  {item.fatal ? 'Error' : 'Warning'}
                  {item.code ? ` ${item.code}` : ''}:
                </strong>{' '}
                {item.text}
              </>
            ) : (
              item.text
            )}
          </li>
        ))}
      </ol>
      <form className="follow-up" onSubmit={(e) => void submit(e)}>
        <label htmlFor="follow-up">Ask for a change</label>
        <textarea
          id="follow-up"
          rows={2}
          maxLength={20000}
          value={text}
          placeholder="Add a due date to each todo…"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) e.currentTarget.form?.requestSubmit();
          }}
        />
        <button type="submit" className="primary" disabled={sending || text.trim() === ''}>
          {sending ? 'Sending…' : 'Send'}
        </button>
      </form>
    </section>
  );
}
