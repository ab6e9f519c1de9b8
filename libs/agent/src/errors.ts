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
  | 'CONFIG_INVALID';

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
