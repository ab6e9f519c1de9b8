import type { TCircuitBreakerPolicy } from './provider-config.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * One per provider. Consecutive failures open the circuit; while open, calls are refused
 * without touching the network; after the cool-down a single trial call is let through
 * (half-open) and its outcome closes or re-opens the circuit.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private trialInFlight = false;

  constructor(
    private readonly policy: TCircuitBreakerPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): CircuitState {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt >= this.policy.cooldownMs ? 'half-open' : 'open';
  }

  /** Milliseconds until an open circuit lets a trial through (0 when not open). */
  get retryInMs(): number {
    if (this.openedAt === undefined) return 0;
    return Math.max(0, this.openedAt + this.policy.cooldownMs - this.now());
  }

  /** Whether an attempt may go out now. In half-open state only one trial at a time. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  recordSuccess(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.trialInFlight = false;
  }

  recordFailure(): void {
    this.trialInFlight = false;
    this.failures += 1;
    if (this.openedAt !== undefined || this.failures >= this.policy.failureThreshold) this.openedAt = this.now();
  }

  /** An attempt that ended without saying anything about the provider's health (abort, 4xx). */
  release(): void {
    this.trialInFlight = false;
  }
}
