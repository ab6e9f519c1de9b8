'use client';

import { useCallback, useEffect, useReducer, useState } from 'react';
import type { TAgentClientMessage, TEnvelope } from '@kiln/contracts';
import { readNdjsonLines } from '../../../lib/ndjson';
import {
  initialStream,
  parseEventLine,
  reduceSession,
  type SessionSnapshot,
  type SessionStream,
} from '../../../lib/session-view';

/**
 * Follows a session through the same-origin NDJSON route: the view is rebuilt from each
 * stream's replay. `send` posts a client message and, once the API took it, re-opens the stream
 * (the old one ends with the run it was following).
 */
export function useSessionStream(sessionId: string): {
  state: SessionStream;
  send: (message: TAgentClientMessage) => Promise<void>;
  reconnect: () => void;
} {
  const [state, dispatch] = useReducer(reduceSession, undefined, initialStream);
  const [generation, setGeneration] = useState(0);
  const base = `/api/agent/${encodeURIComponent(sessionId)}`;

  useEffect(() => {
    const abort = new AbortController();
    dispatch({ kind: 'reopen' });
    // The checkpoint's view of the session, for what the events have not named yet (the plan):
    // read on opening, and again as the run goes (below).
    const loadSnapshot = () =>
      void fetch(base, { cache: 'no-store', signal: abort.signal })
        .then(async (res) => ((await res.json()) as TEnvelope<SessionSnapshot>).data)
        .then((snapshot) => {
          if (snapshot && !abort.signal.aborted) dispatch({ kind: 'snapshot', snapshot });
        })
        .catch(() => undefined); // The events carry the session; the snapshot only completes the plan.
    loadSnapshot();
    const follow = async () => {
      const res = await fetch(`${base}/events`, { cache: 'no-store', signal: abort.signal });
      if (!res.ok || !res.body) {
        const body = (await res.json().catch(() => null)) as TEnvelope<unknown> | null;
        dispatch({ kind: 'failed', message: body?.error?.message ?? `the events request answered ${res.status}` });
        return;
      }
      dispatch({ kind: 'opened' });
      await readNdjsonLines(res.body, (line) => {
        if (abort.signal.aborted) return;
        const action = parseEventLine(line);
        if (action?.kind === 'unknown')
          console.warn(`kiln: ignored an event the builder does not know: ${action.type}`);
        if (action) dispatch(action);
        // Once the run announces itself, its plan is saved.
        if (action?.kind === 'event' && action.event.type === 'generation_started') loadSnapshot();
      });
      if (abort.signal.aborted) return;
      dispatch({ kind: 'ended' });
      // The run is over and checkpointed: the snapshot now has its closing summary.
      loadSnapshot();
    };
    follow().catch((err: unknown) => {
      if (!abort.signal.aborted) dispatch({ kind: 'failed', message: `the event stream broke: ${String(err)}` });
    });
    return () => abort.abort();
  }, [base, generation]);

  const reconnect = useCallback(() => setGeneration((g) => g + 1), []);

  const send = useCallback(
    async (message: TAgentClientMessage) => {
      const res = await fetch(`${base}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
      });
      const body = (await res.json().catch(() => null)) as TEnvelope<unknown> | null;
      if (!body?.success) throw new Error(body?.error?.message ?? `the API answered ${res.status}`);
      dispatch({ kind: 'requested', message });
      reconnect();
    },
    [base, reconnect],
  );

  return { state, send, reconnect };
}
