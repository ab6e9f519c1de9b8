import type { ModelMessage } from 'ai';
import { AgentError } from '../errors.js';

/**
 * Token estimate without a tokenizer: the models Kiln talks to use different vocabularies and an
 * air-gapped install cannot download them. UTF-8 bytes / 3 overestimates English and code (BPE
 * vocabularies average ~3.5–4.5 bytes per token), so the budget errs on the side of fitting.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 3);
}

/** Chat formats add role markers and separators around each message. */
const MESSAGE_OVERHEAD_TOKENS = 6;
/** A tool call or result also carries its id, name and JSON wrapping (`{"type":"function",…}`). */
const TOOL_PART_OVERHEAD_TOKENS = 24;
/** Kept free on top of the output reserve because the estimate is only an estimate. */
const SAFETY_FRACTION = 0.05;
/** Older conversation turns may take at most this share of the prompt budget. */
const HISTORY_FRACTION = 0.3;
/** A file is only included cut short when at least this much of it fits. */
const MIN_TRUNCATED_FILE_TOKENS = 120;

export interface BudgetMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface ContextFile {
  path: string;
  content: string;
  /** Always ranked first (files the current phase writes, files named in an error). */
  pinned?: boolean;
}

export interface BudgetInput {
  instructions: string;
  /** The conversation; the last message is the request and is always kept. */
  messages: BudgetMessage[];
  files: ContextFile[];
  /** What the files are ranked against: the phase description, error messages, the user's request. */
  focus: string;
  contextWindow: number;
  maxOutputTokens: number;
}

export interface BudgetResult {
  instructions: string;
  /** File context first (as a user message), then the kept conversation. */
  messages: BudgetMessage[];
  includedFiles: string[];
  truncatedFiles: string[];
  droppedFiles: string[];
  droppedMessages: number;
  /** Estimated prompt tokens of what is sent. */
  promptTokens: number;
  /** Prompt budget that was available: window − output reserve − safety margin. */
  budgetTokens: number;
}

/**
 * Fits a prompt into a model's context window: the instructions and the request are required;
 * recent conversation comes next (capped), then files by relevance — whole when they fit, cut
 * short when only part fits, dropped otherwise. Never returns a prompt estimated past the budget.
 */
export function budgetPrompt(input: BudgetInput): BudgetResult {
  const budget = promptBudgetTokens(input.contextWindow, input.maxOutputTokens);
  const last = input.messages.at(-1);
  const required = estimateTokens(input.instructions) + MESSAGE_OVERHEAD_TOKENS + (last ? messageTokens(last) : 0);
  if (required > budget) {
    throw new AgentError(
      'CONTEXT_OVERFLOW',
      `instructions and request need ~${required} tokens but the model leaves ${budget} for the prompt ` +
        `(window ${input.contextWindow}, output reserve ${input.maxOutputTokens})`,
    );
  }
  let remaining = budget - required;

  // Recent history, newest first, within its share.
  const history: BudgetMessage[] = [];
  let historyBudget = Math.floor(budget * HISTORY_FRACTION);
  for (let i = input.messages.length - 2; i >= 0; i--) {
    const m = input.messages[i]!;
    const cost = messageTokens(m);
    if (cost > historyBudget || cost > remaining) break;
    history.unshift(m);
    historyBudget -= cost;
    remaining -= cost;
  }
  const droppedMessages = Math.max(0, input.messages.length - 1 - history.length);

  // Files by relevance. The file-context message costs its overhead once.
  const ranked = rankFiles(input.files, input.focus);
  const included: string[] = [];
  const truncated: string[] = [];
  const dropped: string[] = [];
  const blocks: string[] = [];
  const header = 'Current files of the app (read-only context):\n';
  let filesCost = MESSAGE_OVERHEAD_TOKENS + estimateTokens(header);
  for (const file of ranked) {
    const block = renderFile(file.path, file.content);
    const cost = estimateTokens(block) + 1;
    if (filesCost + cost <= remaining) {
      blocks.push(block);
      included.push(file.path);
      filesCost += cost;
      continue;
    }
    const room = remaining - filesCost;
    if (room >= MIN_TRUNCATED_FILE_TOKENS) {
      const cut = truncateToTokens(file.path, file.content, room - 1);
      if (cut) {
        blocks.push(cut);
        truncated.push(file.path);
        filesCost += estimateTokens(cut) + 1;
        continue;
      }
    }
    dropped.push(file.path);
  }

  const messages: BudgetMessage[] = [];
  if (blocks.length > 0) {
    messages.push({ role: 'user', content: header + blocks.join('\n') });
    remaining -= filesCost;
  }
  messages.push(...history);
  if (last) messages.push(last);
  return {
    instructions: input.instructions,
    messages,
    includedFiles: included,
    truncatedFiles: truncated,
    droppedFiles: dropped,
    droppedMessages,
    promptTokens: budget - remaining,
    budgetTokens: budget,
  };
}

/**
 * Estimated tokens of an AI SDK message as providers send it: text as a JSON string (escapes
 * included), tool-call arguments as a JSON string inside JSON (escaped twice, as the OpenAI wire
 * format carries them), tool results by their text.
 */
export function estimateModelMessageTokens(message: ModelMessage): number {
  if (typeof message.content === 'string')
    return estimateTokens(JSON.stringify(message.content)) + MESSAGE_OVERHEAD_TOKENS;
  let tokens = MESSAGE_OVERHEAD_TOKENS;
  for (const part of message.content) {
    switch (part.type) {
      case 'text':
        tokens += estimateTokens(JSON.stringify(part.text));
        break;
      case 'tool-call':
        tokens += TOOL_PART_OVERHEAD_TOKENS + estimateTokens(part.toolCallId + part.toolName);
        tokens += estimateTokens(JSON.stringify(JSON.stringify(part.input ?? {})));
        break;
      case 'tool-result': {
        const { output } = part;
        const text = output.type === 'text' || output.type === 'error-text' ? output.value : JSON.stringify(output);
        tokens += TOOL_PART_OVERHEAD_TOKENS + estimateTokens(part.toolCallId + JSON.stringify(text));
        break;
      }
      default:
        tokens += estimateTokens(JSON.stringify(part));
    }
  }
  return tokens;
}

/** The tokens a prompt may take: the window less the output reserve and the safety margin. */
export function promptBudgetTokens(contextWindow: number, maxOutputTokens: number): number {
  return Math.floor(contextWindow - maxOutputTokens - contextWindow * SAFETY_FRACTION);
}

/** Estimated tokens of a system prompt or instructions. */
export function instructionTokens(instructions: string): number {
  return estimateTokens(instructions) + MESSAGE_OVERHEAD_TOKENS;
}

function messageTokens(m: BudgetMessage): number {
  return estimateTokens(m.content) + MESSAGE_OVERHEAD_TOKENS;
}

function renderFile(path: string, content: string): string {
  return `<file path="${path}">\n${content}${content.endsWith('\n') ? '' : '\n'}</file>`;
}

/** The head of a file that fits in `tokens`, cut at a line boundary, with a marker saying so. */
function truncateToTokens(path: string, content: string, tokens: number): string | undefined {
  const lines = content.split('\n');
  let lo = 0;
  let hi = lines.length;
  const render = (n: number) =>
    renderFile(path, `${lines.slice(0, n).join('\n')}\n… (${lines.length - n} more lines not shown)\n`);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (estimateTokens(render(mid)) <= tokens) lo = mid;
    else hi = mid - 1;
  }
  return lo > 0 ? render(lo) : undefined;
}

const STOP_WORDS = new Set(
  'the and for with that this from into when then else have has are was were not but you your use add make should will can its all any'.split(
    ' ',
  ),
);

function termsOf(text: string): Set<string> {
  const terms = new Set<string>();
  for (const raw of text.toLowerCase().match(/[a-z_][a-z0-9_]{2,}/g) ?? []) if (!STOP_WORDS.has(raw)) terms.add(raw);
  return terms;
}

/**
 * Ranks files for the prompt: pinned files and files the focus names (by path or file name)
 * first, then by how many of the focus's terms appear in the path (weighted) and content;
 * smaller files win ties so that more of them fit.
 */
export function rankFiles(files: ContextFile[], focus: string): ContextFile[] {
  const focusLower = focus.toLowerCase();
  const terms = termsOf(focus);
  const scored = files.map((file) => {
    const path = file.path.toLowerCase();
    const base = path.split('/').at(-1) ?? path;
    let score = 0;
    if (file.pinned) score += 10_000;
    if (focusLower.includes(path)) score += 5_000;
    else if (base.length > 3 && focusLower.includes(base)) score += 2_000;
    const pathTerms = termsOf(file.path.replace(/[./-]/g, ' '));
    const contentTerms = termsOf(file.content);
    for (const t of terms) {
      if (pathTerms.has(t)) score += 30;
      if (contentTerms.has(t)) score += 10;
    }
    return { file, score };
  });
  scored.sort(
    (a, b) =>
      b.score - a.score || a.file.content.length - b.file.content.length || a.file.path.localeCompare(b.file.path),
  );
  return scored.map((s) => s.file);
}
