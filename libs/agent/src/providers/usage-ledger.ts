import { z } from 'zod';
import { ZModelOperation, type TModelOperation, type TModelPrice } from './provider-config.js';

export const ZUsageEntry = z.object({
  operation: ZModelOperation,
  provider: z.string(),
  model: z.string(),
  calls: z.number().int().nonnegative(),
  /** Attempts that failed and were retried (not billed by most providers, still worth seeing). */
  failedAttempts: z.number().int().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  cachedInputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  /** Calls whose provider reported no usage; their tokens are missing from the totals. */
  callsWithoutUsage: z.number().int().nonnegative(),
  /** USD; null while no price is configured for this model. */
  costUsd: z.number().nonnegative().nullable(),
});
export type TUsageEntry = z.infer<typeof ZUsageEntry>;

export const ZUsageSnapshot = z.object({ entries: z.array(ZUsageEntry) });
export type TUsageSnapshot = z.infer<typeof ZUsageSnapshot>;

export interface ReportedUsage {
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  cachedInputTokens?: number | undefined;
}

export interface UsageTotals {
  calls: number;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  totalTokens: number;
  costUsd: number | null;
}

/**
 * Token and cost accounting for one agent session, per operation and model. Serializable so that
 * it is checkpointed with the rest of the session state.
 */
export class UsageLedger {
  private readonly entries = new Map<string, TUsageEntry>();

  /** Restores a checkpointed ledger; the snapshot is validated, since it comes back from storage. */
  static fromSnapshot(snapshot: unknown): UsageLedger {
    const ledger = new UsageLedger();
    for (const e of ZUsageSnapshot.parse(snapshot).entries)
      ledger.entries.set(keyOf(e.operation, e.provider, e.model), { ...e });
    return ledger;
  }

  record(
    call: { operation: TModelOperation; provider: string; model: string; price?: TModelPrice | undefined },
    usage: ReportedUsage | undefined,
  ): void {
    const entry = this.entry(call.operation, call.provider, call.model);
    entry.calls += 1;
    if (!usage || (usage.inputTokens === undefined && usage.outputTokens === undefined)) {
      entry.callsWithoutUsage += 1;
      return;
    }
    const input = usage.inputTokens ?? 0;
    const cached = Math.min(usage.cachedInputTokens ?? 0, input);
    const output = usage.outputTokens ?? 0;
    entry.inputTokens += input;
    entry.cachedInputTokens += cached;
    entry.outputTokens += output;
    if (call.price) {
      const p = call.price;
      const cost =
        ((input - cached) * p.inputPerMTok +
          cached * (p.cachedInputPerMTok ?? p.inputPerMTok) +
          output * p.outputPerMTok) /
        1e6;
      entry.costUsd = (entry.costUsd ?? 0) + cost;
    }
  }

  recordFailedAttempt(call: { operation: TModelOperation; provider: string; model: string }): void {
    this.entry(call.operation, call.provider, call.model).failedAttempts += 1;
  }

  totals(filter?: { operation?: TModelOperation }): UsageTotals {
    const totals: UsageTotals = {
      calls: 0,
      inputTokens: 0,
      cachedInputTokens: 0,
      outputTokens: 0,
      totalTokens: 0,
      costUsd: null,
    };
    for (const e of this.entries.values()) {
      if (filter?.operation && e.operation !== filter.operation) continue;
      totals.calls += e.calls;
      totals.inputTokens += e.inputTokens;
      totals.cachedInputTokens += e.cachedInputTokens;
      totals.outputTokens += e.outputTokens;
      if (e.costUsd !== null) totals.costUsd = (totals.costUsd ?? 0) + e.costUsd;
    }
    totals.totalTokens = totals.inputTokens + totals.outputTokens;
    return totals;
  }

  snapshot(): TUsageSnapshot {
    return { entries: [...this.entries.values()].map((e) => ({ ...e })) };
  }

  private entry(operation: TModelOperation, provider: string, model: string): TUsageEntry {
    const key = keyOf(operation, provider, model);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = {
        operation,
        provider,
        model,
        calls: 0,
        failedAttempts: 0,
        inputTokens: 0,
        cachedInputTokens: 0,
        outputTokens: 0,
        callsWithoutUsage: 0,
        costUsd: null,
      };
      this.entries.set(key, entry);
    }
    return entry;
  }
}

function keyOf(operation: string, provider: string, model: string): string {
  return JSON.stringify([operation, provider, model]);
}
