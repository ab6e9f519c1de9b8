import type { TAgentErrorCode } from '@kiln/contracts';
import { AgentError } from '../errors.js';
import type { PipelineOutcome } from './phasic-pipeline.js';
import type { EventSink } from './ports.js';
import type { SessionActor } from './session-actor.js';

/**
 * Runs `body` as one run of a session and turns how it ended into an outcome: `complete`,
 * `stopped` (the signal fired: `generation_stopped`) or `failed` (an `error` event with a stable
 * code, and `lastError` in the state). The status is checkpointed in every case, best effort
 * when the run failed (whatever failed may be the store: the last step's checkpoint stands).
 */
export async function driveRun(
  actor: SessionActor,
  events: EventSink,
  signal: AbortSignal | undefined,
  body: () => Promise<void>,
): Promise<PipelineOutcome> {
  const { state } = actor;
  state.status = 'running';
  state.lastError = null;
  try {
    await body();
    state.status = 'complete';
    await actor.checkpoint();
    return { status: 'complete' };
  } catch (error) {
    if (signal?.aborted || (error instanceof AgentError && error.code === 'ABORTED')) {
      state.status = 'stopped';
      await bestEffortCheckpoint(actor);
      await events.emit({ type: 'generation_stopped', message: 'Generation stopped' });
      return { status: 'stopped' };
    }
    const code = error instanceof AgentError ? error.code : 'INTERNAL';
    const message = error instanceof Error ? error.message : String(error);
    state.status = 'failed';
    state.lastError = { code, message };
    await bestEffortCheckpoint(actor);
    await events.emit({ type: 'error', error: message, code: eventCode(code) });
    return { status: 'failed', error: { code, message } };
  }
}

async function bestEffortCheckpoint(actor: SessionActor): Promise<void> {
  try {
    await actor.checkpoint();
  } catch {
    // The previous checkpoint is the one to resume from.
  }
}

/** The `error` event's code for an AgentError code. */
export function eventCode(code: string): TAgentErrorCode {
  switch (code) {
    case 'PROVIDER_ERROR':
    case 'PROVIDER_UNAVAILABLE':
    case 'CONTEXT_OVERFLOW':
    case 'SANDBOX_ERROR':
      return code;
    case 'STRUCTURED_OUTPUT_INVALID':
      return 'BLUEPRINT_INVALID';
    default:
      return 'INTERNAL';
  }
}
