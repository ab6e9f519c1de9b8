import assert from 'node:assert/strict';
import { ZAgentServerMessage, type TAgentServerMessage } from '@kiln/contracts';
import { scriptPath, scriptedProvider, type TProviderKind } from '../providers/model-call-testing.js';
import { ProviderRegistry } from '../providers/provider-registry.js';
import { InMemorySandbox } from '../testing/in-memory-sandbox.js';
import { loadModelScript } from '../testing/model-script.js';
import { startScriptedModelServer, type ScriptedModelServer } from '../testing/scripted-model-server.js';
import { InMemoryCheckpointStore } from './in-memory-checkpoint-store.js';
import type { PipelineTemplate } from './pipeline-context.js';
import type { Checkpoint, CheckpointStore, EventSink } from './ports.js';

/** Test helpers for the pipeline: templates, a registry on the scripted server, event capture. */

export { scriptPath };

export async function startScript(name: string): Promise<ScriptedModelServer> {
  return startScriptedModelServer(await loadModelScript(scriptPath(name)));
}

const ENV_TS = `export interface D1Result<T> {
  results: T[];
  success: boolean;
}
export interface D1PreparedStatement {
  bind(...values: unknown[]): D1PreparedStatement;
  all<T = Record<string, unknown>>(): Promise<D1Result<T>>;
  run(): Promise<D1Result<never>>;
}
export interface D1Database {
  prepare(sql: string): D1PreparedStatement;
}
export interface Env {
  DB: D1Database;
}
`;

export const TEST_TEMPLATES: PipelineTemplate[] = [
  {
    name: 'vite-react-worker-d1',
    description: 'Vite + React front end with a Worker API using D1 and KV',
    keywords: ['table', 'database', 'd1', 'crud', 'list', 'form'],
    files: { 'src/env.ts': ENV_TS },
  },
  {
    name: 'worker-durable-object',
    description: 'A Worker with a Durable Object for realtime state over WebSockets',
    keywords: ['realtime', 'websocket', 'chat', 'multiplayer', 'durable object'],
    files: { 'src/env.ts': 'export interface Env {\n  ROOM: unknown;\n}\n' },
  },
];

export function newSandbox(): InMemorySandbox {
  return new InMemorySandbox({
    templates: Object.fromEntries(TEST_TEMPLATES.map((t) => [t.name, { 'package.json': '{}\n', ...t.files }])),
    runtime: d1TableErrors,
  });
}

/**
 * What D1 would answer at run time: a query on a table that no migration creates fails with
 * SQLite's "no such table" (the message D1 gives). Derived from the files, like running them.
 */
export function d1TableErrors(files: ReadonlyMap<string, string>) {
  const tables = new Set<string>();
  for (const [path, text] of files) {
    if (!/^migrations\/.*\.sql$/.test(path)) continue;
    for (const m of text.matchAll(/CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)/gi)) tables.add(m[1]!.toLowerCase());
  }
  const errors: { kind: 'runtime'; level: 'error'; message: string }[] = [];
  for (const [path, text] of files) {
    if (!path.endsWith('.ts')) continue;
    for (const sql of text.matchAll(/prepare\(\s*'([^']*)'/g)) {
      for (const ref of sql[1]!.matchAll(/\b(?:FROM|INTO|UPDATE|JOIN)\s+(\w+)/gi)) {
        const table = ref[1]!.toLowerCase();
        if (!tables.has(table)) {
          errors.push({
            kind: 'runtime',
            level: 'error',
            message: `D1_ERROR: no such table: ${table}: SQLITE_ERROR (${path})`,
          });
        }
      }
    }
  }
  return errors;
}

export function registryFor(
  server: ScriptedModelServer,
  kind: TProviderKind = 'openai-compatible',
  window: { contextWindow: number; maxOutputTokens: number } = { contextWindow: 16_384, maxOutputTokens: 2048 },
): ProviderRegistry {
  const choice = { provider: 'local', model: 'scripted-coder', ...window };
  return new ProviderRegistry({
    providers: [scriptedProvider(server, kind)],
    operations: { blueprint: choice, phaseGeneration: choice, fixing: choice, conversation: choice },
    retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 1000 },
    circuitBreaker: { failureThreshold: 5, cooldownMs: 60_000 },
  });
}

/** Captures events; every one must match the contract schema, checked as it arrives. */
export class EventRecorder implements EventSink {
  readonly events: TAgentServerMessage[] = [];
  private listeners: ((e: TAgentServerMessage) => void)[] = [];

  emit(event: TAgentServerMessage): void {
    const parsed = ZAgentServerMessage.safeParse(event);
    assert.ok(parsed.success, `event does not match the contract: ${JSON.stringify(event).slice(0, 300)}`);
    this.events.push(event);
    for (const l of this.listeners) l(event);
  }

  on(listener: (e: TAgentServerMessage) => void): void {
    this.listeners.push(listener);
  }

  types(): string[] {
    return this.events.map((e) => e.type);
  }

  /** Consecutive duplicates collapsed: the shape of the run, readable in an assertion. */
  outline(): string[] {
    return this.types().filter((t, i, all) => t !== all[i - 1]);
  }

  ofType<T extends TAgentServerMessage['type']>(type: T): Extract<TAgentServerMessage, { type: T }>[] {
    return this.events.filter((e): e is Extract<TAgentServerMessage, { type: T }> => e.type === type);
  }
}

export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

/**
 * A store that "kills the process" once a checkpoint matching `when` is saved: that save lands,
 * then it and every later call throw, as if the process died right after writing.
 */
export class CrashingCheckpointStore implements CheckpointStore {
  dead = false;
  constructor(
    readonly inner: InMemoryCheckpointStore,
    private readonly when: (state: { completedSteps: string[] }) => boolean,
  ) {}

  load(sessionId: string): Promise<Checkpoint | undefined> {
    return this.inner.load(sessionId);
  }

  async save(sessionId: string, state: unknown, expectedRevision: number): Promise<{ revision: number }> {
    if (this.dead) throw new SimulatedCrash('the process is dead');
    const saved = await this.inner.save(sessionId, state, expectedRevision);
    if (this.when(state as { completedSteps: string[] })) {
      this.dead = true;
      throw new SimulatedCrash('process killed after a checkpoint');
    }
    return saved;
  }
}
