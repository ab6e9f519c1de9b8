import { AgentError } from '../errors.js';
import { driveRun } from './drive-run.js';
import type { PipelineOutcome } from './phasic-pipeline.js';
import { guardSandbox } from './guard-sandbox.js';
import type { CheckpointStore, EventSink, Sandbox } from './ports.js';
import { SessionActor } from './session-actor.js';
import type { SessionRunner } from './session-controller.js';
import type { TSessionState } from './session-state.js';

/**
 * What both modes of a session share: one run at a time (SESSION_BUSY otherwise), the prompt
 * checkpointed before anything else, resume from the checkpoint, follow-up messages, and every
 * run driven to an outcome (`driveRun`). A mode supplies its `run` and how it takes a follow-up.
 */
export abstract class SessionRuns implements SessionRunner {
  private running = false;
  /** The session's sandbox, its failures as `SANDBOX_ERROR`. */
  protected readonly sandbox: Sandbox;
  protected readonly events: EventSink;

  protected constructor(
    protected readonly actor: SessionActor,
    parts: { sandbox: Sandbox; events: EventSink; templates: readonly unknown[] },
    private readonly mode: TSessionState['mode'],
  ) {
    if (parts.templates.length === 0) throw new AgentError('CONFIG_INVALID', `the ${mode} session needs a template`);
    this.sandbox = guardSandbox(parts.sandbox);
    this.events = parts.events;
  }

  /** The session's actor from its last checkpoint (or a new state); a session of the other mode is refused. */
  protected static async openActor(
    checkpoints: CheckpointStore,
    sessionId: string,
    mode: TSessionState['mode'],
  ): Promise<SessionActor> {
    const actor = await SessionActor.open(checkpoints, sessionId);
    if (actor.state.query !== '' && actor.state.mode !== mode) {
      throw new AgentError('CONFIG_INVALID', `session ${sessionId} runs in ${actor.state.mode} mode, not ${mode}`);
    }
    return actor;
  }

  /** The session state (read it, do not change it). */
  get state(): Readonly<TSessionState> {
    return this.actor.state;
  }

  /** Starts a new session from the user's prompt; on a started session this is `resume`. */
  generate(query: string, options: { signal?: AbortSignal } = {}): Promise<PipelineOutcome> {
    return this.exclusive(async () => {
      const { state } = this.actor;
      if (state.query === '') {
        state.query = query;
        state.mode = this.mode;
        // The prompt is the one thing a resume cannot recreate: keep it before the first call.
        await this.actor.checkpoint();
      }
      return this.drive(options.signal, () => this.run(options.signal));
    });
  }

  /** Continues from the checkpoint (after a crash, a stop or a failure). */
  resume(options: { signal?: AbortSignal } = {}): Promise<PipelineOutcome> {
    return this.exclusive(async () => {
      if (this.actor.state.query === '') {
        throw new AgentError('CHECKPOINT_INVALID', `session ${this.actor.state.sessionId} has nothing to resume`);
      }
      await this.events.emit({ type: 'generation_resumed', message: 'Resuming generation' });
      return this.drive(options.signal, () => this.run(options.signal));
    });
  }

  /** A user message after (or instead of) the first generation. */
  sendMessage(message: string, options: { signal?: AbortSignal } = {}): Promise<PipelineOutcome> {
    if (this.actor.state.query === '') return this.generate(message, options);
    return this.exclusive(() =>
      this.drive(options.signal, async () => {
        await this.followUp(message, options.signal);
        await this.run(options.signal);
      }),
    );
  }

  /** Runs the session from where its state is to the end of its latest request. */
  protected abstract run(signal: AbortSignal | undefined): Promise<void>;

  /** Takes a follow-up message into the state (as a checkpointed step) before the run. */
  protected abstract followUp(message: string, signal: AbortSignal | undefined): Promise<void>;

  /** One run at a time: the flag is taken synchronously, before anything is awaited. */
  private async exclusive(body: () => Promise<PipelineOutcome>): Promise<PipelineOutcome> {
    if (this.running) throw new AgentError('SESSION_BUSY', 'this session is already running');
    this.running = true;
    try {
      return await body();
    } finally {
      this.running = false;
    }
  }

  private drive(signal: AbortSignal | undefined, body: () => Promise<void>): Promise<PipelineOutcome> {
    return driveRun(this.actor, this.events, signal, body);
  }
}
