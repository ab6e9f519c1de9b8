import { AgentError } from '../errors.js';
import { UsageLedger } from '../providers/usage-ledger.js';
import type { CheckpointStore } from './ports.js';
import { newSessionState, ZSessionState, type TSessionState } from './session-state.js';

/**
 * The session's state with its checkpointing: steps run through `step(key, fn)`, which skips a
 * key that a previous run completed and checkpoints right after `fn` — so a process that dies
 * anywhere resumes from the last completed step and no step's effects are applied twice.
 */
export class SessionActor {
  private constructor(
    readonly state: TSessionState,
    readonly ledger: UsageLedger,
    private revision: number,
    private readonly store: CheckpointStore,
  ) {}

  static async open(store: CheckpointStore, sessionId: string): Promise<SessionActor> {
    const checkpoint = await store.load(sessionId);
    if (!checkpoint) return new SessionActor(newSessionState(sessionId), new UsageLedger(), 0, store);
    const parsed = ZSessionState.safeParse(checkpoint.state);
    if (!parsed.success) {
      throw new AgentError(
        'CHECKPOINT_INVALID',
        `checkpoint of session ${sessionId} (revision ${checkpoint.revision}) is invalid: ${parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .join('; ')}`,
      );
    }
    return new SessionActor(parsed.data, UsageLedger.fromSnapshot(parsed.data.usage), checkpoint.revision, store);
  }

  get checkpointRevision(): number {
    return this.revision;
  }

  isDone(key: string): boolean {
    return this.state.completedSteps.includes(key);
  }

  /**
   * Runs `fn` once per session for `key`. `fn` mutates the state; if it throws (or the signal
   * aborts it) the step is not marked done and its partial mutations are rolled back, so the
   * resume redoes it from the last checkpoint.
   */
  async step<T>(key: string, fn: (state: TSessionState) => Promise<T>): Promise<T | undefined> {
    if (this.isDone(key)) return undefined;
    const before = structuredClone(this.state);
    this.state.currentStep = key;
    try {
      const result = await fn(this.state);
      this.state.completedSteps.push(key);
      this.state.currentStep = null;
      await this.checkpoint();
      return result;
    } catch (error) {
      this.restore(before);
      throw error;
    }
  }

  async checkpoint(): Promise<void> {
    this.state.usage = this.ledger.snapshot();
    const { revision } = await this.store.save(this.state.sessionId, this.state, this.revision);
    this.revision = revision;
  }

  /** Rolls the state back to `snapshot`, except usage: tokens spent on a failed step were spent. */
  private restore(snapshot: TSessionState): void {
    const target = this.state as Record<string, unknown>;
    for (const key of Object.keys(target)) delete target[key];
    Object.assign(target, snapshot);
  }
}
