import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TAgentServerMessage, TPhaseConcept } from '@kiln/contracts';
import {
  conversationOf,
  displayStatus,
  initialStream,
  parseEventLine,
  planOf,
  reduceSession,
  type SessionAction,
  type SessionStream,
} from './session-view.js';

const dataPhase: TPhaseConcept = {
  name: 'Data layer and API',
  description: 'The todos table and the Worker API',
  files: [
    { path: 'migrations/0001_create_todos.sql', purpose: 'the todos table' },
    { path: 'src/worker/index.ts', purpose: 'the JSON API' },
  ],
};
const pagePhase: TPhaseConcept = {
  name: 'Page',
  description: 'The todo list page',
  files: [{ path: 'src/App.tsx', purpose: 'the page' }],
};
const PREVIEW = 'http://127.0.0.1:4100/preview/p-1/';

const file = (filePath: string, fileContents: string): TAgentServerMessage => ({
  type: 'file_generated',
  file: { filePath, fileContents, filePurpose: `purpose of ${filePath}` },
});
const phaseEvents = (phase: TPhaseConcept, contents: string): TAgentServerMessage[] => [
  { type: 'phase_generating', message: `Planning ${phase.name}`, phase },
  { type: 'phase_generated', message: `Planned ${phase.name}`, phase },
  { type: 'phase_implementing', message: `Implementing ${phase.name}`, phase },
  ...phase.files.flatMap((f): TAgentServerMessage[] => [
    { type: 'file_generating', filePath: f.path, filePurpose: f.purpose },
    file(f.path, `${contents} ${f.path}`),
  ]),
  { type: 'phase_implemented', message: `Implemented ${phase.name}`, phase },
];

/** A phased run as the pipeline sends it (VibeSDK's names), ending complete. */
const phasedRun: TAgentServerMessage[] = [
  { type: 'generation_started', message: 'Building Prioritised todos on the vite-react-d1 template', totalFiles: 3 },
  ...phaseEvents(dataPhase, 'v1'),
  {
    type: 'static_analysis_results',
    staticAnalysis: {
      success: false,
      lint: { issues: [] },
      typecheck: {
        issues: [{ message: 'Type string is not assignable', filePath: 'src/App.tsx', line: 3, severity: 'error' }],
      },
    },
  },
  ...phaseEvents(pagePhase, 'v1'),
  { type: 'deployment_completed', previewURL: PREVIEW, tunnelURL: PREVIEW, instanceId: 'p-1', message: 'Deployed' },
  { type: 'code_reviewing', message: 'Reviewing the app' },
  {
    type: 'code_reviewed',
    message: 'Reviewed',
    review: { summary: 'Looks right; fixed an import.', filesChanged: ['src/App.tsx'] },
  },
  file('src/App.tsx', 'v2 src/App.tsx'),
  { type: 'generation_complete', instanceId: 'p-1', previewURL: PREVIEW },
];

/** Events on the open stream. */
const feed = (events: TAgentServerMessage[], from: SessionStream): SessionStream =>
  events.map((event): SessionAction => ({ kind: 'event', event })).reduce(reduceSession, from);
/** Opens (or re-opens) the stream, then its events. */
const run = (events: TAgentServerMessage[], from: SessionStream = initialStream()): SessionStream =>
  feed(events, reduceSession(reduceSession(from, { kind: 'reopen' }), { kind: 'opened' }));

describe('session view', () => {
  it('folds a full phased run: phases, files, checks, review, preview, complete', () => {
    const state = reduceSession(run(phasedRun), { kind: 'ended' });
    const { view } = state;
    assert.equal(displayStatus(state), 'complete');
    assert.equal(view.headline, 'Building Prioritised todos on the vite-react-d1 template');
    assert.deepEqual(
      view.phases.map((p) => [p.name, p.state]),
      [
        ['Data layer and API', 'implemented'],
        ['Page', 'implemented'],
      ],
    );
    assert.deepEqual(
      view.files.map((f) => f.path),
      ['migrations/0001_create_todos.sql', 'src/worker/index.ts', 'src/App.tsx'],
    );
    const app = view.files.find((f) => f.path === 'src/App.tsx');
    assert.equal(app?.contents, 'v2 src/App.tsx');
    assert.equal(app?.versions, 2);
    assert.equal(app?.state, 'generated');
    assert.equal(view.staticAnalysis?.typecheck.issues.length, 1);
    assert.deepEqual(view.review, {
      state: 'reviewed',
      message: 'Reviewed',
      summary: 'Looks right; fixed an import.',
      filesChanged: ['src/App.tsx'],
    });
    assert.equal(view.preview?.url, PREVIEW);
    assert.equal(view.preview?.deployments, 1);
    assert.equal(view.seq, phasedRun.length);
  });

  it('shows a phase moving through its states while the run goes on', () => {
    const state = run(phasedRun.slice(0, 2));
    assert.equal(displayStatus(state), 'building');
    assert.deepEqual(
      state.view.phases.map((p) => p.state),
      ['generating'],
    );
    assert.equal(run(phasedRun.slice(0, 4)).view.phases[0]?.state, 'implementing');
  });

  it('the snapshot completes the plan: phases the run has not reached yet are waiting', () => {
    const snapshot = {
      mode: 'phasic' as const,
      query: 'a todo app',
      title: 'Prioritised todos',
      phases: [
        { name: dataPhase.name, kind: 'plan', status: 'implementing' },
        { name: pagePhase.name, kind: 'plan', status: 'pending' },
      ],
      conversation: [],
    };
    const building = reduceSession(run(phasedRun.slice(0, 4)), { kind: 'snapshot', snapshot });
    assert.deepEqual(planOf(building).waiting, ['Page'], 'phase 2 is next while phase 1 builds');
    assert.deepEqual(
      planOf(building).phases.map((p) => p.name),
      [dataPhase.name],
    );
    // Once the events name phase 2, it is no longer listed as waiting.
    const later = run(phasedRun, building);
    assert.deepEqual(planOf(later).waiting, []);
    assert.equal(planOf(later).phases.length, 2);
  });

  it('a failed run: the fatal error ends it, a non-fatal one does not', () => {
    const events: TAgentServerMessage[] = [
      phasedRun[0]!,
      { type: 'error', error: '[FILE_REJECTED] path outside the app', code: 'FILE_REJECTED' },
      ...phaseEvents(dataPhase, 'v1'),
    ];
    const going = run(events);
    assert.equal(displayStatus(going), 'building');
    const failed = reduceSession(
      feed([{ type: 'error', error: 'the model endpoint refused: 401', code: 'PROVIDER_ERROR' }], going),
      { kind: 'ended' },
    );
    assert.equal(displayStatus(failed), 'failed');
    assert.deepEqual(failed.view.failure, { message: 'the model endpoint refused: 401', code: 'PROVIDER_ERROR' });
    assert.deepEqual(
      conversationOf(failed).map((i) => (i.kind === 'error' ? [i.code, i.fatal] : i.kind)),
      [
        ['FILE_REJECTED', false],
        ['PROVIDER_ERROR', true],
      ],
    );
  });

  it('a run that ends without a final event finished; a stream that cannot open shows why', () => {
    const answered = reduceSession(
      feed([{ type: 'conversation_response', message: 'Each todo already has a priority.' }], run(phasedRun)),
      { kind: 'ended' },
    );
    assert.equal(displayStatus(answered), 'complete');
    const nothing = reduceSession(run([]), { kind: 'ended' });
    assert.equal(displayStatus(nothing), 'stopped', 'nothing runs: Resume can continue it');
    const missing = reduceSession(reduceSession(initialStream(), { kind: 'reopen' }), {
      kind: 'failed',
      message: 'agent session x not found',
    });
    assert.equal(displayStatus(missing), 'failed');
    assert.equal(missing.connectionError, 'agent session x not found');
  });

  it('an agentic run: tool calls kept compact in the conversation, then the answer', () => {
    const events: TAgentServerMessage[] = [
      { type: 'generation_started', message: 'Building on the vite-react-d1 template', totalFiles: 0 },
      { type: 'deployment_completed', previewURL: PREVIEW, tunnelURL: PREVIEW, instanceId: 'p-1', message: 'Up' },
      { type: 'file_generating', filePath: 'src/worker/index.ts', filePurpose: '' },
      file('src/worker/index.ts', 'export default {}'),
      {
        type: 'conversation_response',
        message: 'write_file: done',
        tool: { name: 'write_file', status: 'success', result: 'wrote src/worker/index.ts' },
      },
      {
        type: 'conversation_response',
        message: 'run_checks: error',
        tool: { name: 'run_checks', status: 'error', result: '1 type error' },
      },
      {
        type: 'runtime_error_found',
        count: 1,
        errors: [{ timestamp: 't', level: 50, message: 'boom', rawOutput: '' }],
      },
      { type: 'conversation_response', message: 'Your todo app is ready.' },
      { type: 'generation_complete', instanceId: 'p-1', previewURL: PREVIEW },
    ];
    const state = reduceSession(run(events), { kind: 'ended' });
    assert.equal(displayStatus(state), 'complete');
    assert.deepEqual(
      conversationOf(state).map((i) =>
        i.kind === 'tool' ? `tool ${i.name} ${i.status}` : i.kind === 'assistant' ? i.text : i.kind,
      ),
      ['tool write_file success', 'tool run_checks error', 'Your todo app is ready.'],
    );
    assert.equal(state.view.runtimeErrors.length, 1);
    const redeployed = feed(
      [{ type: 'deployment_completed', previewURL: PREVIEW, tunnelURL: PREVIEW, instanceId: 'p-1', message: 'Again' }],
      state,
    );
    assert.equal(redeployed.view.runtimeErrors.length, 0, 'a new deployment reports its own errors');
    assert.equal(state.view.files[0]?.purpose, 'purpose of src/worker/index.ts');
    assert.equal(state.view.phases.length, 0);
  });

  it('a follow-up re-opens the stream: the replay rebuilds the view without duplicates', () => {
    const first = reduceSession(run(phasedRun), { kind: 'ended' });
    const asked = reduceSession(first, {
      kind: 'requested',
      message: { type: 'user_suggestion', message: 'add a due date' },
    });
    assert.equal(displayStatus(asked), 'building', 'the follow-up shows as building before its run speaks');

    const change: TPhaseConcept = {
      name: 'Change: add a due date',
      description: 'add a due date',
      files: [{ path: 'src/App.tsx', purpose: 'the page' }],
    };
    const followUp: TAgentServerMessage[] = [
      { type: 'conversation_response', message: 'I will add a due date.' },
      ...phaseEvents(change, 'v3'),
      { type: 'deployment_completed', previewURL: PREVIEW, tunnelURL: PREVIEW, instanceId: 'p-1', message: 'Again' },
      { type: 'generation_complete', instanceId: 'p-1', previewURL: PREVIEW },
    ];
    // Part way through the replay the old view stays on screen, and the follow-up stays pending.
    const midReplay = run(phasedRun.slice(0, 10), asked);
    assert.equal(midReplay.view, asked.view);
    assert.equal(displayStatus(midReplay), 'building');

    const replayedOld = run(phasedRun, asked);
    assert.equal(displayStatus(replayedOld), 'building', 'the old run replayed is not the new one');

    const state = reduceSession(run([...phasedRun, ...followUp], asked), { kind: 'ended' });
    const { view } = state;
    assert.equal(displayStatus(state), 'complete');
    assert.equal(view.seq, phasedRun.length + followUp.length);
    assert.deepEqual(
      view.files.map((f) => f.path),
      ['migrations/0001_create_todos.sql', 'src/worker/index.ts', 'src/App.tsx'],
    );
    assert.equal(view.files.find((f) => f.path === 'src/App.tsx')?.contents, 'v3 src/App.tsx');
    assert.deepEqual(
      view.phases.map((p) => p.name),
      ['Data layer and API', 'Page', 'Change: add a due date'],
    );
    assert.equal(view.preview?.deployments, 2);
    assert.deepEqual(
      conversationOf(state).map((i) => [i.kind, i.kind === 'user' || i.kind === 'assistant' ? i.text : '']),
      [
        ['user', 'add a due date'],
        ['assistant', 'I will add a due date.'],
      ],
    );
  });

  it("a reloaded page shows the user's requests from the checkpoint, each before its answer", () => {
    const events: TAgentServerMessage[] = [
      ...phasedRun,
      { type: 'conversation_response', message: 'Todos, in the D1 table todos.' },
      { type: 'conversation_response', message: 'Sure: the Add button is blue now.' },
    ];
    const snapshot = {
      mode: 'phasic' as const,
      query: 'a todo app',
      title: 'Todos',
      phases: [],
      conversation: [
        { role: 'user' as const, content: 'a todo app' },
        { role: 'assistant' as const, content: 'Todos is ready: 2 phase(s), 3 file(s).' },
        { role: 'user' as const, content: 'what does it store?' },
        { role: 'assistant' as const, content: 'Todos, in the D1 table todos.' },
        { role: 'user' as const, content: 'make the button blue' },
        { role: 'assistant' as const, content: 'Sure: the Add button is blue now.' },
      ],
    };
    // A fresh page: no follow-up was sent from it, the snapshot knows them all.
    const reloaded = reduceSession(run(events), { kind: 'snapshot', snapshot });
    assert.deepEqual(
      conversationOf(reloaded).map((i) => [i.kind, i.kind === 'user' || i.kind === 'assistant' ? i.text : '']),
      [
        ['assistant', 'Todos is ready: 2 phase(s), 3 file(s).'],
        ['user', 'what does it store?'],
        ['assistant', 'Todos, in the D1 table todos.'],
        ['user', 'make the button blue'],
        ['assistant', 'Sure: the Add button is blue now.'],
      ],
    );
    // A snapshot taken after the run ended adds the agent's closing summary at the end.
    const ended = reduceSession(reduceSession(run(events), { kind: 'ended' }), {
      kind: 'snapshot',
      snapshot: {
        ...snapshot,
        conversation: [
          ...snapshot.conversation,
          { role: 'assistant' as const, content: 'Todos is ready: 3 phase(s).' },
        ],
      },
    });
    assert.deepEqual(conversationOf(ended).at(-1), {
      kind: 'assistant',
      seq: conversationOf(ended).at(-2)?.seq,
      text: 'Todos is ready: 3 phase(s).',
    });
    assert.equal(conversationOf(reloaded).at(-1)?.kind, 'assistant');
    assert.equal(
      conversationOf(
        reduceSession(ended, { kind: 'event', event: { type: 'generation_resumed', message: 'again' } }),
      ).filter((i) => i.kind === 'assistant' && i.text === 'Todos is ready: 3 phase(s).').length,
      0,
      'a snapshot older than the latest event adds nothing',
    );
    // The page that sent a follow-up shows it once, whether the snapshot has it yet or not.
    const sent = reduceSession(reloaded, {
      kind: 'requested',
      message: { type: 'user_suggestion', message: 'make the button blue' },
    });
    assert.equal(conversationOf(sent).filter((i) => i.kind === 'user' && i.text === 'make the button blue').length, 1);
  });

  it('streams a file chunk by chunk, then takes file_generated as the contents', () => {
    const started = run([
      phasedRun[0]!,
      { type: 'file_generating', filePath: 'src/App.tsx', filePurpose: 'the page' },
      { type: 'file_chunk_generated', filePath: 'src/App.tsx', chunk: 'export function ' },
      { type: 'file_chunk_generated', filePath: 'src/App.tsx', chunk: 'App() {}' },
    ]);
    const streaming = started.view.files[0];
    assert.equal(streaming?.streaming, 'export function App() {}');
    assert.equal(streaming?.state, 'generating');
    assert.equal(started.view.seq, 2, 'chunks are not replayed, so they do not count');

    const stopped = feed([{ type: 'generation_stopped', message: 'Generation stopped' }], started);
    assert.deepEqual(
      [stopped.view.files[0]?.state, stopped.view.files[0]?.streaming],
      ['unfinished', null],
      'a stop leaves no file writing',
    );

    const done = feed([file('src/App.tsx', 'export function App() { return null; }')], started);
    const app = done.view.files[0];
    assert.equal(app?.streaming, null);
    assert.equal(app?.contents, 'export function App() { return null; }');
    assert.equal(app?.state, 'generated');
  });

  it('counts unknown events and lines that are not events', () => {
    const lines = [
      JSON.stringify({ type: 'generation_started', message: 'go', totalFiles: 1 }),
      JSON.stringify({ type: 'cf_agent_state', state: {} }),
      JSON.stringify({ type: 'file_generated' }),
      'not json',
    ];
    const actions = lines.map(parseEventLine).filter((a) => a !== null);
    const state = actions.reduce(reduceSession, initialStream());
    assert.equal(state.view.unknown.count, 3);
    assert.deepEqual(state.view.unknown.types, ['cf_agent_state', 'file_generated', '(not JSON)']);
    assert.equal(state.view.headline, 'go');
  });
});
