import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  AgenticSession,
  AgentSessionController,
  PhasicPipeline,
  ProviderRegistry,
  UsageLedger,
  ZSessionState,
  currentFiles,
  filePurpose,
  type PipelineTemplate,
  type TSessionState,
  type UsageTotals,
} from '@kiln/agent';
import type { TAgentClientMessage, TAgentServerMessage } from '@kiln/contracts';
import { RunnerClient, RunnerSandbox, loadPipelineTemplates } from '@kiln/runner-client';
import { appToken } from '@kiln/storage/auth';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { ConflictError, DependencyUnavailableError, NotFoundError } from '../common/errors.js';
import { API_CONFIG, type ApiConfig } from '../config.js';
import { REDIS } from '../redis/redis.module.js';
import { agentModels } from './agent-models.js';
import { PgCheckpointStore, type SessionOwnerRecord } from './pg-checkpoint-store.js';
import { SessionLeases } from './session-lease.js';
import { SessionEventLog, isAfter } from './session-events.js';
import { SessionTickets } from './session-tickets.js';

interface LiveSession {
  id: string;
  appId: string;
  controller: AgentSessionController;
  /** Live followers; `logId` is the event's id in the session's log (file chunks have none). */
  listeners: Set<(event: TAgentServerMessage, logId?: string) => void>;
  /** Told when this process lets the session go (lease lost, shutdown): followers must reconnect. */
  closers: Set<() => void>;
  /** Last event, message or follower (ms since epoch): idle sessions are handed back. */
  lastActive: number;
}

export type TSessionMode = 'phasic' | 'agentic';

export interface TSessionSnapshot {
  sessionId: string;
  appId: string;
  mode: TSessionMode;
  status: TSessionState['status'];
  query: string;
  template: string | null;
  title: string | null;
  /** The checkpoint's revision: it grows with every step. */
  revision: number;
  /** Whether a run is going on in this process (false when another process holds the session). */
  running: boolean;
  phases: { name: string; kind: string; status: string; remainingIssues: number }[];
  files: { path: string; purpose: string; content?: string }[];
  /** The user's requests and the agent's answers and summaries, oldest first. */
  conversation: TSessionState['conversation'];
  preview: TSessionState['preview'];
  lastError: TSessionState['lastError'];
  usage: UsageTotals;
}

/**
 * The agent sessions this API process runs. Each session's state is checkpointed in Postgres
 * (agent_session) after every step; one process at a time runs it, under a lease in Redis
 * (session-lease.ts). A session this process does not hold — started by a process that stopped
 * or died — is taken over on its next request once the lease is free, and continues from its
 * checkpoint. Its events are logged in Redis (session-events.ts): a process that takes a session
 * over replays it from the first event.
 */
@Injectable()
export class AgentSessions implements OnModuleDestroy {
  private readonly sessions = new Map<string, Promise<LiveSession>>();
  private readonly leases: SessionLeases;
  private readonly tickets: SessionTickets;
  private readonly log: SessionEventLog;
  private templates: Promise<PipelineTemplate[]> | undefined;
  private registry: Promise<ProviderRegistry> | undefined;
  private readonly evictor: NodeJS.Timeout;
  private readonly logger = new Logger('AgentSessions');

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(REDIS) redis: Redis,
  ) {
    this.leases = new SessionLeases(redis, config.AGENT_SESSION_LEASE_MS);
    this.tickets = new SessionTickets(redis);
    this.log = new SessionEventLog(redis);
    const idle = config.AGENT_SESSION_IDLE_MS;
    this.evictor = setInterval(() => void this.evictIdle(idle), Math.min(60_000, Math.max(50, idle / 2)));
    this.evictor.unref();
  }

  /** Creates a session for the prompt and starts generating; events follow on `events()` and `follow()`. */
  async start(prompt: string, userId: string, mode: TSessionMode): Promise<{ sessionId: string; appId: string }> {
    const id = randomUUID();
    const appId = `app-${randomBytes(5).toString('hex')}`;
    const live = this.open(id, { appId, userId, mode }, prompt);
    this.sessions.set(id, live);
    try {
      (await live).controller.handle({ type: 'generate_all' });
    } catch (error) {
      this.sessions.delete(id);
      await this.leases.release(id);
      throw error;
    }
    return { sessionId: id, appId };
  }

  /** A client message (VibeSDK's names): stop_generation, resume_generation, user_suggestion. */
  async send(id: string, message: TAgentClientMessage): Promise<void> {
    const session = await this.live(id);
    session.lastActive = Date.now();
    session.controller.handle(message);
  }

  /** A single-use ticket for the session's WebSocket (the session must exist). */
  async ticket(id: string): Promise<string> {
    if (!this.sessions.has(id) && !(await PgCheckpointStore.owner(this.db, id))) {
      throw new NotFoundError('agent session', id);
    }
    return this.tickets.issue(id);
  }

  /** Spends a ticket; the session it was issued for, when it matches `id`. */
  async redeem(id: string, ticket: string): Promise<boolean> {
    return (await this.tickets.redeem(ticket)) === id;
  }

  /**
   * Follows a session for as long as the caller wants (the WebSocket): its events from the first
   * (the log in Redis, so a session taken over replays what the earlier process sent; file chunks
   * excepted), then each as it happens. `closed` runs if this process lets the session go.
   * Returns the function that stops following.
   */
  async follow(id: string, listener: (event: TAgentServerMessage) => void, closed: () => void): Promise<() => void> {
    return (await this.subscribe(id, listener, closed)).stop;
  }

  /**
   * The session as its last checkpoint has it — from any API process, held or not: what a client
   * renders before (or instead of) following the events. File contents only when asked.
   */
  async snapshot(id: string, options: { contents: boolean }): Promise<TSessionSnapshot> {
    const checkpoint = await new PgCheckpointStore(this.db).load(id);
    const owner = await PgCheckpointStore.owner(this.db, id);
    if (!checkpoint || !owner) throw new NotFoundError('agent session', id);
    const state = ZSessionState.parse(checkpoint.state);
    return {
      sessionId: id,
      appId: owner.appId,
      mode: state.mode,
      status: state.status,
      query: state.query,
      template: state.template,
      title: state.blueprint?.title ?? null,
      revision: checkpoint.revision,
      running: (await this.sessions.get(id)?.catch(() => undefined))?.controller.running ?? false,
      phases: state.phases.map((p) => ({
        name: p.name,
        kind: p.kind,
        status: p.status,
        remainingIssues: p.remainingIssues.length,
      })),
      files: [...currentFiles(state)].map(([path, content]) => ({
        path,
        purpose: filePurpose(state, path) ?? '',
        ...(options.contents ? { content } : {}),
      })),
      conversation: state.conversation,
      preview: state.preview,
      lastError: state.lastError,
      usage: UsageLedger.fromSnapshot(state.usage).totals(),
    };
  }

  /** Whether this process holds the session now (for tests and diagnostics). */
  holds(id: string): boolean {
    return this.sessions.has(id);
  }

  /**
   * The session's events from the first (file chunks excepted), then every one as it happens,
   * until the current run ends (or `signal` aborts, or this process lets the session go).
   */
  async *events(id: string, signal: AbortSignal): AsyncGenerator<TAgentServerMessage> {
    const queue: TAgentServerMessage[] = [];
    let wake: (() => void) | undefined;
    let closed = false;
    const { session, stop } = await this.subscribe(
      id,
      (event) => {
        queue.push(event);
        wake?.();
      },
      () => {
        closed = true;
        wake?.();
      },
    );
    signal.addEventListener('abort', () => wake?.(), { once: true });
    try {
      for (;;) {
        const event = queue.shift();
        if (event) {
          yield event;
          continue;
        }
        if (signal.aborted || closed || !session.controller.running) return;
        // A new event, the client leaving, or the run ending (its last event may come first).
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), session.controller.idle()]);
        wake = undefined;
      }
    } finally {
      stop();
    }
  }

  /**
   * Replays the session's log to `listener`, then passes on its live events: events that arrive
   * while the log is read wait, and those the log already held are not passed twice.
   */
  private async subscribe(
    id: string,
    listener: (event: TAgentServerMessage) => void,
    closed: () => void,
  ): Promise<{ session: LiveSession; stop: () => void }> {
    const session = await this.live(id);
    let waiting: { event: TAgentServerMessage; logId?: string }[] | undefined = [];
    const live = (event: TAgentServerMessage, logId?: string) => {
      if (waiting) waiting.push({ event, ...(logId ? { logId } : {}) });
      else listener(event);
    };
    session.listeners.add(live);
    session.closers.add(closed);
    session.lastActive = Date.now();
    const stop = () => {
      session.listeners.delete(live);
      session.closers.delete(closed);
      session.lastActive = Date.now();
    };
    try {
      const logged = await this.log.all(id);
      for (const { event } of logged) listener(event);
      const last = logged.at(-1)?.id;
      const held = waiting;
      waiting = undefined;
      for (const { event, logId } of held) if (!logId || !last || isAfter(logId, last)) listener(event);
    } catch (error) {
      stop();
      throw error;
    }
    return { session, stop };
  }

  /** Stops every run, waits for their last checkpoint, and hands the sessions back (leases freed). */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.evictor);
    const live = await Promise.allSettled(this.sessions.values());
    const sessions = live.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    for (const session of sessions) session.controller.handle({ type: 'stop_generation' });
    await Promise.all(sessions.map((s) => s.controller.idle()));
    for (const session of sessions) for (const close of session.closers) close();
    this.sessions.clear();
    await this.leases.releaseAll();
  }

  /** The session, held by this process — taken over from its checkpoint when no process holds it. */
  private live(id: string): Promise<LiveSession> {
    let live = this.sessions.get(id);
    if (!live) {
      live = this.adopt(id);
      this.sessions.set(id, live);
      // A failed take-over is not remembered: the next request tries again.
      const attempt = live;
      attempt.catch(() => {
        if (this.sessions.get(id) === attempt) this.sessions.delete(id);
      });
    }
    return live;
  }

  private async adopt(id: string): Promise<LiveSession> {
    const owner = await PgCheckpointStore.owner(this.db, id);
    if (!owner) throw new NotFoundError('agent session', id);
    return this.open(id, owner);
  }

  /** Takes the session's lease and opens its runner on the session's checkpoint (or a new state). */
  private async open(id: string, owner: SessionOwnerRecord, prompt?: string): Promise<LiveSession> {
    const { runner, registry, secret } = await this.dependencies();
    const templates = await this.loadTemplates();
    const acquired = await this.leases.acquire(id, () => {
      // Another process has it now: stop here (its checkpoints win) and forget the session.
      void this.sessions.get(id)?.then((s) => {
        s.controller.handle({ type: 'stop_generation' });
        for (const close of s.closers) close();
      });
      this.sessions.delete(id);
    });
    if (!acquired) throw new ConflictError(`agent session ${id} is running in another API process`);
    try {
      const listeners = new Set<(event: TAgentServerMessage, logId?: string) => void>();
      const closers = new Set<() => void>();
      // Filled below; events only flow once the controller runs.
      const session = { id, appId: owner.appId, listeners, closers, lastActive: Date.now() } as LiveSession;
      const options = {
        sessionId: id,
        registry,
        sandbox: new RunnerSandbox(
          runner,
          { appId: owner.appId, userId: owner.userId, gatewayToken: appToken(secret, owner.appId) },
          owner.previewInstanceId,
        ),
        checkpoints: new PgCheckpointStore(this.db, owner),
        events: {
          emit: async (event: TAgentServerMessage) => {
            session.lastActive = Date.now();
            // Every event but the file chunks goes to the log first (the pipeline waits for it),
            // so a follower who joins later, here or in another process, replays it. The log is
            // for followers: Redis failing to keep an event must not fail the run (the checkpoint
            // is the session's truth), so the event is then only passed on live.
            let logId: string | undefined;
            if (event.type !== 'file_chunk_generated') {
              logId = await this.log.append(id, event).catch((err: unknown) => {
                this.logger.warn(`event ${event.type} of session ${id} was not logged: ${String(err)}`);
                return undefined;
              });
            }
            for (const listener of listeners) listener(event, logId);
          },
        },
        templates,
      };
      const opened = owner.mode === 'agentic' ? await AgenticSession.open(options) : await PhasicPipeline.open(options);
      session.controller = new AgentSessionController(opened, prompt ?? opened.state.query);
      return session;
    } catch (error) {
      await this.leases.release(id);
      throw error;
    }
  }

  /**
   * Hands back sessions with nothing running, nobody following and nothing sent for `idleMs`:
   * memory and the lease are freed; the checkpoint stays, and the next request takes it again.
   */
  private async evictIdle(idleMs: number): Promise<void> {
    const now = Date.now();
    for (const [id, live] of this.sessions) {
      const session = await live.catch(() => undefined);
      if (!session || session.controller.running || session.listeners.size > 0) continue;
      if (session.controller.queued.length > 0 || now - session.lastActive < idleMs) continue;
      if (this.sessions.get(id) !== live) continue;
      this.sessions.delete(id);
      await this.leases.release(id).catch(() => undefined);
    }
  }

  private loadTemplates(): Promise<PipelineTemplate[]> {
    this.templates ??= loadPipelineTemplates(resolve(this.config.TEMPLATES_DIR)).catch((err: unknown) => {
      this.templates = undefined;
      throw err;
    });
    return this.templates;
  }

  /**
   * The runner, the models and the gateway secret. One registry per process: its circuit breakers
   * see every session's calls (each session keeps its own usage ledger).
   */
  private async dependencies(): Promise<{ runner: RunnerClient; registry: ProviderRegistry; secret: string }> {
    const c = this.config;
    const missing = (['RUNNER_URL', 'RUNNER_TOKEN', 'GATEWAY_SECRET'] as const).filter((name) => !c[name]);
    if (missing.length > 0) throw new DependencyUnavailableError(`the agent (set ${missing.join(', ')})`, undefined);
    this.registry ??= agentModels(c).then(
      (models) => new ProviderRegistry(models),
      (err: unknown) => {
        this.registry = undefined;
        throw err;
      },
    );
    return {
      runner: new RunnerClient(c.RUNNER_URL ?? '', c.RUNNER_TOKEN ?? ''),
      registry: await this.registry,
      secret: c.GATEWAY_SECRET ?? '',
    };
  }
}
