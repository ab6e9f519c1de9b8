import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { AgentSessionController, PhasicPipeline, ProviderRegistry, type PipelineTemplate } from '@kiln/agent';
import type { TAgentClientMessage, TAgentServerMessage } from '@kiln/contracts';
import { RunnerClient, RunnerSandbox } from '@kiln/runner-client';
import { appToken } from '@kiln/storage/auth';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DependencyUnavailableError, NotFoundError } from '../common/errors.js';
import { API_CONFIG, type ApiConfig } from '../config.js';
import { PgCheckpointStore } from './pg-checkpoint-store.js';
import { loadPipelineTemplates } from './templates.js';

interface LiveSession {
  id: string;
  appId: string;
  controller: AgentSessionController;
  events: TAgentServerMessage[];
  listeners: Set<(event: TAgentServerMessage) => void>;
}

/**
 * The agent sessions this API process hosts. Each session's state is checkpointed in Postgres
 * (agent_session) after every step; its events are kept here for the event stream. One process
 * owns a session — there is no cross-process lease yet, so a second API process would not see
 * this one's sessions.
 */
@Injectable()
export class AgentSessions implements OnModuleDestroy {
  private readonly sessions = new Map<string, LiveSession>();
  private templates: Promise<PipelineTemplate[]> | undefined;

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /** Creates a session for the prompt and starts generating; events follow on `events()`. */
  async start(prompt: string, userId: string): Promise<{ sessionId: string; appId: string }> {
    const { runner, registry, secret } = this.dependencies();
    const id = randomUUID();
    const appId = `app-${randomBytes(5).toString('hex')}`;
    const events: TAgentServerMessage[] = [];
    const listeners = new Set<(event: TAgentServerMessage) => void>();
    this.templates ??= loadPipelineTemplates(resolve(this.config.TEMPLATES_DIR)).catch((err: unknown) => {
      this.templates = undefined;
      throw err;
    });
    const pipeline = await PhasicPipeline.open({
      sessionId: id,
      registry,
      sandbox: new RunnerSandbox(runner, { appId, userId, gatewayToken: appToken(secret, appId) }),
      checkpoints: new PgCheckpointStore(this.db),
      events: {
        emit: (event) => {
          // Followers get every event; the replay kept for late ones leaves out the file chunks
          // (each file_generated carries the whole file), so memory stays bounded by the files.
          if (event.type !== 'file_chunk_generated') events.push(event);
          for (const listener of listeners) listener(event);
        },
      },
      templates: await this.templates,
    });
    const controller = new AgentSessionController(pipeline, prompt);
    this.sessions.set(id, { id, appId, controller, events, listeners });
    controller.handle({ type: 'generate_all' });
    return { sessionId: id, appId };
  }

  /** A client message (VibeSDK's names): stop_generation, resume_generation, user_suggestion. */
  send(id: string, message: TAgentClientMessage): void {
    this.require(id).controller.handle(message);
  }

  /**
   * The session's events from the first (file chunks excepted), then every one as it happens,
   * until the current run ends (or `signal` aborts). Each call replays what was already sent.
   */
  async *events(id: string, signal: AbortSignal): AsyncGenerator<TAgentServerMessage> {
    const session = this.require(id);
    const queue: TAgentServerMessage[] = [...session.events];
    let wake: (() => void) | undefined;
    const listener = (event: TAgentServerMessage) => {
      queue.push(event);
      wake?.();
    };
    session.listeners.add(listener);
    signal.addEventListener('abort', () => wake?.(), { once: true });
    try {
      for (;;) {
        const event = queue.shift();
        if (event) {
          yield event;
          continue;
        }
        if (signal.aborted || !session.controller.running) return;
        // A new event, the client leaving, or the run ending (its last event may come first).
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), session.controller.idle()]);
        wake = undefined;
      }
    } finally {
      session.listeners.delete(listener);
    }
  }

  async onModuleDestroy(): Promise<void> {
    for (const session of this.sessions.values()) session.controller.handle({ type: 'stop_generation' });
    await Promise.all([...this.sessions.values()].map((s) => s.controller.idle()));
  }

  private require(id: string): LiveSession {
    const session = this.sessions.get(id);
    if (!session) throw new NotFoundError('agent session', id);
    return session;
  }

  private dependencies(): { runner: RunnerClient; registry: ProviderRegistry; secret: string } {
    const c = this.config;
    const missing = (
      ['RUNNER_URL', 'RUNNER_TOKEN', 'GATEWAY_SECRET', 'AGENT_MODEL_BASE_URL', 'AGENT_MODEL'] as const
    ).filter((name) => !c[name]);
    if (missing.length > 0) throw new DependencyUnavailableError(`the agent (set ${missing.join(', ')})`, undefined);
    const window = c.AGENT_MODEL_CONTEXT_WINDOW;
    const choice = {
      provider: 'model',
      model: c.AGENT_MODEL ?? '',
      contextWindow: window,
      // A quarter of the window for the answer, at most 8k tokens: a phase's files fit, the
      // prompt keeps the rest.
      maxOutputTokens: Math.min(8192, Math.floor(window / 4)),
    };
    return {
      runner: new RunnerClient(c.RUNNER_URL ?? '', c.RUNNER_TOKEN ?? ''),
      registry: new ProviderRegistry({
        providers: [
          {
            kind: 'openai-compatible',
            id: 'model',
            baseURL: c.AGENT_MODEL_BASE_URL ?? '',
            ...(c.AGENT_MODEL_API_KEY ? { apiKey: c.AGENT_MODEL_API_KEY } : {}),
          },
        ],
        operations: { blueprint: choice, phaseGeneration: choice, fixing: choice, conversation: choice },
      }),
      secret: c.GATEWAY_SECRET ?? '',
    };
  }
}
