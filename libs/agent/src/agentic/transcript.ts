import type { ModelMessage } from 'ai';
import { AgentError } from '../errors.js';
import { estimateModelMessageTokens } from '../providers/prompt-budget.js';
import type { TTranscriptEntry } from '../pipeline/session-state.js';

/** The AI SDK message of a stored transcript entry. */
export function toModelMessage(entry: TTranscriptEntry): ModelMessage {
  switch (entry.role) {
    case 'user':
      return { role: 'user', content: entry.content };
    case 'assistant':
      if (entry.toolCalls.length === 0) return { role: 'assistant', content: entry.text };
      return {
        role: 'assistant',
        content: [
          ...(entry.text ? [{ type: 'text' as const, text: entry.text }] : []),
          ...entry.toolCalls.map((c) => ({ type: 'tool-call' as const, ...c })),
        ],
      };
    case 'tool':
      return {
        role: 'tool',
        content: entry.results.map((r) => ({
          type: 'tool-result' as const,
          toolCallId: r.toolCallId,
          toolName: r.toolName,
          output: r.isError
            ? { type: 'error-text' as const, value: r.output }
            : { type: 'text' as const, value: r.output },
        })),
      };
  }
}

export interface FittedTranscript {
  messages: ModelMessage[];
  /** Estimated tokens of `messages`. */
  tokens: number;
  /** Tool results and tool-call arguments cut short, oldest first. */
  shortened: number;
  /** Whole old steps (a model step and its results) left out. */
  droppedSteps: number;
}

/** Steps at the end of the transcript that keep their full tool output as long as anything else can give. */
const RECENT_STEPS = 2;
/** What an old tool result or argument is cut to. */
const SHORT_CHARS = 240;

/**
 * Fits the transcript into `budgetTokens`. The user's requests are always kept. First the tool
 * results and the long tool-call arguments (whole files written) of older steps are shortened,
 * oldest first; then the oldest steps are left out; then the latest steps are shortened too.
 * Throws CONTEXT_OVERFLOW when even that does not fit.
 */
export function fitTranscript(entries: readonly TTranscriptEntry[], budgetTokens: number): FittedTranscript {
  const work = structuredClone(entries) as TTranscriptEntry[];
  const cost = work.map((e) => estimateModelMessageTokens(toModelMessage(e)));
  let total = cost.reduce((a, b) => a + b, 0);
  const kept = work.map(() => true);
  let shortened = 0;
  let droppedSteps = 0;
  const fits = () => total <= budgetTokens;
  const recent = recentStart(work);

  const shorten = (i: number) => {
    if (!kept[i] || !shortenEntry(work[i]!)) return;
    shortened += 1;
    const next = estimateModelMessageTokens(toModelMessage(work[i]!));
    total += next - cost[i]!;
    cost[i] = next;
  };

  for (let i = 0; i < recent && !fits(); i++) shorten(i);
  for (let i = 0; i < recent && !fits(); i++) {
    if (work[i]!.role !== 'assistant') continue;
    // A step is the model's message and the results of its calls: they go together.
    for (const j of work[i + 1]?.role === 'tool' ? [i, i + 1] : [i]) {
      kept[j] = false;
      total -= cost[j]!;
    }
    droppedSteps += 1;
  }
  for (let i = recent; i < work.length && !fits(); i++) shorten(i);
  if (!fits()) {
    throw new AgentError(
      'CONTEXT_OVERFLOW',
      `the agent's transcript needs ~${total} tokens after shortening but ${budgetTokens} are left for it`,
    );
  }
  const messages = work.filter((_, i) => kept[i]).map(toModelMessage);
  return { messages, tokens: total, shortened, droppedSteps };
}

/** Index of the first entry of the last `RECENT_STEPS` model steps. */
function recentStart(entries: readonly TTranscriptEntry[]): number {
  let seen = 0;
  for (let i = entries.length - 1; i >= 0; i--) {
    if (entries[i]!.role === 'assistant' && ++seen === RECENT_STEPS) return i;
  }
  return 0;
}

/** Cuts an entry's long tool output or arguments; false when there was nothing to cut. */
function shortenEntry(entry: TTranscriptEntry): boolean {
  let changed = false;
  if (entry.role === 'tool') {
    for (const r of entry.results) {
      const cut = shortText(r.output);
      if (cut !== r.output) {
        r.output = cut;
        changed = true;
      }
    }
  } else if (entry.role === 'assistant') {
    for (const call of entry.toolCalls) {
      if (typeof call.input !== 'object' || call.input === null) continue;
      const input = call.input as Record<string, unknown>;
      for (const [key, value] of Object.entries(input)) {
        if (typeof value !== 'string') continue;
        const cut = shortText(value);
        if (cut !== value) {
          input[key] = cut;
          changed = true;
        }
      }
    }
  }
  return changed;
}

function shortText(text: string): string {
  if (text.length <= SHORT_CHARS + 80) return text;
  return `${text.slice(0, SHORT_CHARS)}\n… [shortened: ${text.length - SHORT_CHARS} more characters; call the tool again to see them]`;
}
