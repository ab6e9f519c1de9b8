import type { TAgentClientMessage } from '@kiln/contracts';
import type { PipelineOutcome } from './phasic-pipeline.js';

/** What runs a session: the phasic pipeline, or the agentic (tool-calling) loop. */
export interface SessionRunner {
  generate(query: string, options?: { signal?: AbortSignal }): Promise<PipelineOutcome>;
  resume(options?: { signal?: AbortSignal }): Promise<PipelineOutcome>;
  sendMessage(message: string, options?: { signal?: AbortSignal }): Promise<PipelineOutcome>;
}

/**
 * Maps the session WebSocket's client messages onto a pipeline: one run at a time, each with
 * its own AbortController so that `stop_generation` stops it; `user_suggestion`s that arrive
 * during a run wait and are answered in order once it completes (a stopped or failed run keeps
 * them until the next run ends). The API's gateway hands every parsed message to `handle`.
 */
export class AgentSessionController {
  private current: { controller: AbortController; done: Promise<PipelineOutcome> } | undefined;
  private readonly pending: string[] = [];
  private last: PipelineOutcome | undefined;

  constructor(
    private readonly pipeline: SessionRunner,
    /** The prompt the session was created with (`POST /api/agent`). */
    private readonly query: string,
  ) {}

  get running(): boolean {
    return this.current !== undefined;
  }

  /** Suggestions waiting for the current run to end. */
  get queued(): readonly string[] {
    return this.pending;
  }

  handle(message: TAgentClientMessage): void {
    switch (message.type) {
      case 'generate_all':
        if (!this.current) this.start((signal) => this.pipeline.generate(this.query, { signal }));
        return;
      case 'resume_generation':
        if (!this.current) this.start((signal) => this.pipeline.resume({ signal }));
        return;
      case 'stop_generation':
        this.current?.controller.abort();
        return;
      case 'user_suggestion':
        this.pending.push(message.message);
        if (!this.current) this.drain();
        return;
    }
  }

  /** Resolves with the last outcome once nothing runs and nothing that can run is queued. */
  async idle(): Promise<PipelineOutcome | undefined> {
    while (this.current) await this.current.done;
    return this.last;
  }

  private start(run: (signal: AbortSignal) => Promise<PipelineOutcome>): void {
    const controller = new AbortController();
    const done = run(controller.signal)
      .catch((error: unknown): PipelineOutcome => {
        // The pipeline reports its own failures as outcomes; this is a programming error or a
        // refused start (another owner), which must not leave the controller wedged.
        const message = error instanceof Error ? error.message : String(error);
        return { status: 'failed', error: { code: 'INTERNAL', message } };
      })
      .then((outcome) => {
        this.current = undefined;
        this.last = outcome;
        if (outcome.status === 'complete') this.drain();
        return outcome;
      });
    this.current = { controller, done };
  }

  private drain(): void {
    const next = this.pending.shift();
    if (next !== undefined) this.start((signal) => this.pipeline.sendMessage(next, { signal }));
  }
}
