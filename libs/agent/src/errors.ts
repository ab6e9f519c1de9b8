/** Stable codes for errors that cross libs/agent's boundary; the API maps them to HTTP and events. */
export type AgentErrorCode =
  /** A provider answered with an error that retrying did not cure (or that is not retryable). */
  | 'PROVIDER_ERROR'
  /** The provider's circuit breaker is open: calls fail fast until the cool-down ends. */
  | 'PROVIDER_UNAVAILABLE'
  /** The required part of a prompt does not fit the model's context window. */
  | 'CONTEXT_OVERFLOW'
  /** The call was cancelled through its AbortSignal. */
  | 'ABORTED'
  /** Configuration names an unknown provider or model, or is otherwise invalid. */
  | 'CONFIG_INVALID'
  /** The model's structured answer (blueprint, conversation) stayed invalid after the repair attempts. */
  | 'STRUCTURED_OUTPUT_INVALID'
  /** A checkpoint was written by someone else since this session loaded it (two owners). */
  | 'CHECKPOINT_CONFLICT'
  /** A stored checkpoint does not match the session state schema. */
  | 'CHECKPOINT_INVALID'
  /** The sandbox port failed. */
  | 'SANDBOX_ERROR'
  /** The session is already running a generation; one run at a time. */
  | 'SESSION_BUSY'
  /** The agentic loop used all its model steps for a request without finishing it. */
  | 'STEP_LIMIT';

export class AgentError extends Error {
  override readonly name = 'AgentError';
  constructor(
    readonly code: AgentErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
