import {
  ZAgentServerMessage,
  type TAgentClientMessage,
  type TAgentServerMessage,
  type TAgentServerMessageOf,
  type TPhaseConcept,
  type TRuntimeError,
  type TStaticAnalysis,
} from '@kiln/contracts';

/**
 * What the builder shows of an agent session, folded from its events (VibeSDK's protocol). Pure:
 * the page feeds it the NDJSON stream's events and its own actions, and renders the result.
 */

export type TBuildStatus = 'building' | 'complete' | 'stopped' | 'failed';
export type TPhaseState = 'generating' | 'generated' | 'implementing' | 'implemented';

export interface PhaseView {
  name: string;
  description: string;
  files: { path: string; purpose: string }[];
  state: TPhaseState;
}

export interface FileView {
  path: string;
  purpose: string;
  /** The last complete version (file_generated); empty until the first one. */
  contents: string;
  /** The version being written, chunk by chunk; null when none is. */
  streaming: string | null;
  /** `unfinished`: the run ended while the file was being written (and it was never written before). */
  state: 'generating' | 'generated' | 'unfinished';
  /** How many times the file was (re)written: 2 and more means a fix or a change touched it. */
  versions: number;
}

export interface ReviewView {
  state: 'reviewing' | 'reviewed';
  message: string;
  summary?: string;
  filesChanged: string[];
}

export type ConversationItem =
  | { kind: 'assistant'; seq: number; text: string }
  | { kind: 'tool'; seq: number; name: string; status: 'start' | 'success' | 'error'; result?: string }
  | { kind: 'error'; seq: number; text: string; code?: string; fatal: boolean }
  | { kind: 'notice'; seq: number; text: string }
  | { kind: 'user'; seq: number; text: string };

export interface SessionView {
  status: TBuildStatus;
  /** generation_started's message, e.g. "Building Prioritised todos on the vite-react-d1 template". */
  headline?: string;
  totalFiles: number;
  phases: PhaseView[];
  files: FileView[];
  review?: ReviewView;
  staticAnalysis?: TStaticAnalysis;
  runtimeErrors: TRuntimeError[];
  preview?: { url: string; instanceId: string; message: string; deployments: number };
  conversation: ConversationItem[];
  /** The error that ended the last run, when it failed. */
  failure?: { message: string; code?: string };
  /** Events folded so far, file chunks excepted: the replay has exactly these. */
  seq: number;
  unknown: { count: number; types: string[] };
}

export interface SessionStream {
  view: SessionView;
  /** A fresh view built from a re-opened stream's replay; shown once it has caught up. */
  rebuilding: SessionView | null;
  connection: 'connecting' | 'live' | 'ended' | 'error';
  connectionError?: string;
  /** Follow-ups sent from this page, placed after the event they followed (they are not events). */
  sent: { afterSeq: number; text: string }[];
  /** A resume or follow-up was accepted at this seq: the run it starts has not shown itself yet. */
  pendingSince: number | null;
  /** The session as its checkpoint had it when the stream (re)opened: the whole plan, the prompt. */
  snapshot?: SessionSnapshot;
  /** How many events the view had folded when the snapshot arrived. */
  snapshotSeq?: number;
}

/** What the builder takes from the API's `GET /api/agent/:id`. */
export interface SessionSnapshot {
  mode: 'phasic' | 'agentic';
  query: string;
  title: string | null;
  phases: { name: string; kind: string; status: string }[];
  /** The user's requests and the agent's answers (the prompt first), from the checkpoint. */
  conversation: { role: 'user' | 'assistant'; content: string }[];
}

export type SessionAction =
  | { kind: 'event'; event: TAgentServerMessage }
  | { kind: 'unknown'; type: string }
  /** A new events request replaces the old one (first open, or after a message). */
  | { kind: 'reopen' }
  | { kind: 'opened' }
  /** The stream ended: the run is over. */
  | { kind: 'ended' }
  | { kind: 'failed'; message: string }
  /** The API accepted a client message. */
  | { kind: 'requested'; message: TAgentClientMessage }
  | { kind: 'snapshot'; snapshot: SessionSnapshot };

/** Error codes the agent reports without ending the run (a rejected file, problems left after fixes). */
const NON_FATAL = new Set(['FILE_REJECTED', 'FILE_TRUNCATED', 'DIFF_NOT_APPLIED', 'FIX_INCOMPLETE', 'INVALID_MESSAGE']);

export function emptyView(): SessionView {
  return {
    status: 'building',
    totalFiles: 0,
    phases: [],
    files: [],
    runtimeErrors: [],
    conversation: [],
    seq: 0,
    unknown: { count: 0, types: [] },
  };
}

export function initialStream(): SessionStream {
  return { view: emptyView(), rebuilding: null, connection: 'connecting', sent: [], pendingSince: null };
}

/** One NDJSON line: a known event, an unknown one (by its `type`, when it has one), or nothing. */
export function parseEventLine(
  line: string,
): { kind: 'event'; event: TAgentServerMessage } | { kind: 'unknown'; type: string } | null {
  if (line.trim() === '') return null;
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { kind: 'unknown', type: '(not JSON)' };
  }
  const parsed = ZAgentServerMessage.safeParse(json);
  if (parsed.success) return { kind: 'event', event: parsed.data };
  const type = typeof json === 'object' && json !== null && 'type' in json ? String(json.type) : '(no type)';
  return { kind: 'unknown', type };
}

export function reduceSession(state: SessionStream, action: SessionAction): SessionStream {
  switch (action.kind) {
    case 'event':
    case 'unknown': {
      if (state.rebuilding) {
        const rebuilt = fold(state.rebuilding, action);
        // Shown once it holds everything the old view did, so a re-open does not flash empty.
        return rebuilt.seq >= state.view.seq
          ? { ...state, view: rebuilt, rebuilding: null, pendingSince: settle(state.pendingSince, rebuilt) }
          : { ...state, rebuilding: rebuilt };
      }
      const view = fold(state.view, action);
      return { ...state, view, pendingSince: settle(state.pendingSince, view) };
    }
    case 'reopen':
      return { ...state, rebuilding: emptyView(), connection: 'connecting', connectionError: undefined };
    case 'opened':
      return { ...state, connection: 'live' };
    case 'ended': {
      // A replay shorter than the old view (another API process took the session over) is still the truth now.
      let view = state.rebuilding && state.rebuilding.seq > 0 ? state.rebuilding : state.view;
      // The API ends the stream when the run ends, and a run that stops or fails says so
      // (generation_stopped, error). One that just ends finished: a follow-up answered without a
      // change sends no generation_complete. No events at all: nothing runs (nor is remembered) here.
      if (view.status === 'building') view = { ...view, status: view.seq > 0 ? 'complete' : 'stopped' };
      view = settleFiles(view);
      return { ...state, view, rebuilding: null, connection: 'ended', pendingSince: null };
    }
    case 'failed':
      return { ...state, rebuilding: null, connection: 'error', connectionError: action.message, pendingSince: null };
    case 'snapshot':
      return { ...state, snapshot: action.snapshot, snapshotSeq: state.view.seq };
    case 'requested': {
      const { message } = action;
      if (message.type === 'stop_generation') return state;
      const sent =
        message.type === 'user_suggestion'
          ? [...state.sent, { afterSeq: state.view.seq, text: message.message }]
          : state.sent;
      return { ...state, sent, pendingSince: state.view.seq };
    }
  }
}

/** The status to show: a run that was asked for counts as building until it ends. */
export function displayStatus(state: SessionStream): TBuildStatus {
  if (state.pendingSince !== null) return 'building';
  if (state.connection === 'error' && state.view.seq === 0) return 'failed';
  return state.view.status;
}

/**
 * The plan to show: the phases the events named, then the planned ones the run has not reached
 * yet (from the snapshot), so that "1 of 2 phases" is right while phase 1 builds.
 */
export function planOf(state: SessionStream): { phases: PhaseView[]; waiting: string[] } {
  const seen = new Set(state.view.phases.map((p) => p.name));
  const waiting = (state.snapshot?.phases ?? [])
    .filter((p) => p.kind === 'plan' && p.status === 'pending' && !seen.has(p.name))
    .map((p) => p.name);
  return { phases: state.view.phases, waiting };
}

/**
 * The conversation with the user's requests in place. Requests are not events: each one comes from
 * the checkpoint's conversation, where it stands right before the answer an event carried; the
 * follow-ups this page sent that the checkpoint does not hold yet are placed after the event they
 * followed.
 */
export function conversationOf(state: SessionStream): ConversationItem[] {
  const items: ConversationItem[] = [];
  const history = state.snapshot?.conversation ?? [];
  const known = new Set<string>();
  // The agent's words that are no event (a finished run's summary), as the checkpoint has them.
  const unsaid = (upTo: number, seq: number) => {
    for (const m of history.slice(from, upTo)) {
      if (m.role === 'assistant' && !m.content.startsWith('Review: '))
        items.push({ kind: 'assistant', seq, text: m.content });
    }
  };
  let from = 0;
  for (const item of state.view.conversation) {
    if (item.kind === 'assistant') {
      const at = history.findIndex((m, i) => i >= from && m.role === 'assistant' && m.content === item.text);
      if (at >= 0) {
        const asked = history[at - 1]?.role === 'user' ? history[at - 1] : undefined;
        unsaid(asked ? at - 1 : at, item.seq);
        if (asked) {
          items.push({ kind: 'user', seq: item.seq, text: asked.content });
          known.add(asked.content);
        }
        from = at + 1;
      }
    }
    items.push(item);
  }
  // After the last answer, only from a snapshot taken once the run was over (no event since).
  if (displayStatus(state) === 'complete' && state.snapshotSeq === state.view.seq) {
    unsaid(history.length, items.at(-1)?.seq ?? 0);
  }
  for (const sent of state.sent) {
    if (known.has(sent.text)) continue;
    const at = items.findIndex((i) => i.seq > sent.afterSeq);
    const item: ConversationItem = { kind: 'user', seq: sent.afterSeq, text: sent.text };
    if (at === -1) items.push(item);
    else items.splice(at, 0, item);
  }
  return items;
}

/** A pending request is settled by the first event of the run it started (one past where it was sent). */
function settle(pendingSince: number | null, view: SessionView): number | null {
  return pendingSince !== null && view.seq > pendingSince ? null : pendingSince;
}

function fold(view: SessionView, action: Extract<SessionAction, { kind: 'event' | 'unknown' }>): SessionView {
  if (action.kind === 'unknown') {
    const types = view.unknown.types.includes(action.type) ? view.unknown.types : [...view.unknown.types, action.type];
    return { ...view, seq: view.seq + 1, unknown: { count: view.unknown.count + 1, types } };
  }
  const { event } = action;
  if (event.type === 'file_chunk_generated') return applyEvent(view, event);
  return applyEvent({ ...view, seq: view.seq + 1 }, event);
}

/** Folds one event into the view (the seq is already counted). */
export function applyEvent(view: SessionView, event: TAgentServerMessage): SessionView {
  const seq = view.seq;
  switch (event.type) {
    case 'generation_started':
      return { ...view, status: 'building', failure: undefined, headline: event.message, totalFiles: event.totalFiles };
    case 'phase_generating':
      return event.phase ? building(withPhase(view, event.phase, 'generating')) : building(view);
    case 'phase_generated':
      return building(withPhase(view, event.phase, 'generated'));
    case 'phase_implementing':
      return building(withPhase(view, event.phase, 'implementing'));
    case 'phase_implemented':
      return building(withPhase(view, event.phase, 'implemented'));
    case 'file_generating':
      return building(
        withFile(view, event.filePath, (f) => ({
          ...f,
          purpose: event.filePurpose || f.purpose,
          streaming: '',
          state: 'generating',
        })),
      );
    case 'file_chunk_generated':
      return withFile(view, event.filePath, (f) => ({
        ...f,
        streaming: (f.streaming ?? '') + event.chunk,
        state: 'generating',
      }));
    case 'file_generated':
      return withFile(view, event.file.filePath, (f) => ({
        ...f,
        purpose: event.file.filePurpose || f.purpose,
        contents: event.file.fileContents,
        streaming: null,
        state: 'generated',
        versions: f.versions + 1,
      }));
    case 'static_analysis_results':
      return { ...view, staticAnalysis: event.staticAnalysis };
    case 'runtime_error_found':
      return { ...view, runtimeErrors: event.errors };
    case 'deployment_completed':
      return {
        ...view,
        // Errors of the previous deployment: the new one reports its own.
        runtimeErrors: [],
        preview: {
          url: event.previewURL,
          instanceId: event.instanceId,
          message: event.message,
          deployments: (view.preview?.deployments ?? 0) + 1,
        },
      };
    case 'code_reviewing':
      return building({ ...view, review: { state: 'reviewing', message: event.message, filesChanged: [] } });
    case 'code_reviewed':
      return {
        ...view,
        review: {
          state: 'reviewed',
          message: event.message,
          summary: event.review.summary,
          filesChanged: event.review.filesChanged,
        },
      };
    case 'conversation_response':
      return building(withConversation(view, conversationItem(event, seq)));
    case 'generation_complete': {
      const preview =
        view.preview ??
        (event.previewURL
          ? { url: event.previewURL, instanceId: event.instanceId ?? '', message: '', deployments: 1 }
          : undefined);
      return settleFiles({ ...view, status: 'complete', failure: undefined, ...(preview ? { preview } : {}) });
    }
    case 'generation_stopped':
      return withConversation(settleFiles({ ...view, status: 'stopped' }), {
        kind: 'notice',
        seq,
        text: event.message,
      });
    case 'generation_resumed':
      return withConversation(
        { ...view, status: 'building', failure: undefined },
        { kind: 'notice', seq, text: event.message },
      );
    case 'error': {
      const fatal = event.code === undefined || !NON_FATAL.has(event.code);
      const item: ConversationItem = {
        kind: 'error',
        seq,
        text: event.error,
        fatal,
        ...(event.code ? { code: event.code } : {}),
      };
      const next = withConversation(view, item);
      return fatal
        ? settleFiles({
            ...next,
            status: 'failed',
            failure: { message: event.error, ...(event.code ? { code: event.code } : {}) },
          })
        : next;
    }
  }
}

function conversationItem(event: TAgentServerMessageOf<'conversation_response'>, seq: number): ConversationItem {
  if (!event.tool) return { kind: 'assistant', seq, text: event.message };
  return {
    kind: 'tool',
    seq,
    name: event.tool.name,
    status: event.tool.status,
    ...(event.tool.result !== undefined ? { result: event.tool.result } : {}),
  };
}

/** Progress means a run is going (a follow-up's answer included: an edit phase may follow it). */
function building(view: SessionView): SessionView {
  return view.status !== 'building' ? { ...view, status: 'building', failure: undefined } : view;
}

function withPhase(view: SessionView, phase: TPhaseConcept, state: TPhaseState): SessionView {
  const next: PhaseView = {
    name: phase.name,
    description: phase.description,
    files: phase.files.map((f) => ({ path: f.path, purpose: f.purpose })),
    state,
  };
  const at = view.phases.findIndex((p) => p.name === phase.name);
  const phases = at === -1 ? [...view.phases, next] : view.phases.map((p, i) => (i === at ? next : p));
  return { ...view, phases };
}

function withFile(view: SessionView, path: string, change: (file: FileView) => FileView): SessionView {
  const at = view.files.findIndex((f) => f.path === path);
  if (at === -1) {
    const fresh: FileView = { path, purpose: '', contents: '', streaming: null, state: 'generating', versions: 0 };
    return { ...view, files: [...view.files, change(fresh)] };
  }
  return { ...view, files: view.files.map((f, i) => (i === at ? change(f) : f)) };
}

/** Files still being written when the run ended keep their last version (or show as unfinished). */
function settleFiles(view: SessionView): SessionView {
  if (!view.files.some((f) => f.state === 'generating')) return view;
  return {
    ...view,
    files: view.files.map((f) =>
      f.state === 'generating' ? { ...f, streaming: null, state: f.versions > 0 ? 'generated' : 'unfinished' } : f,
    ),
  };
}

function withConversation(view: SessionView, item: ConversationItem): SessionView {
  return { ...view, conversation: [...view.conversation, item] };
}
