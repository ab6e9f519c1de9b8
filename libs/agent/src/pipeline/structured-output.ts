import type { z } from 'zod';
import { AgentError } from '../errors.js';
import { generateModel, type ModelCallRequest } from '../providers/model-call.js';
import type { BudgetMessage } from '../providers/prompt-budget.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';

/**
 * Asks for JSON matching `schema` and repairs what small models get wrong: the answer is
 * extracted from prose and fences, parsed, validated; on failure the model is shown its answer
 * and the exact problems and asked again, up to `attempts` calls in all.
 */
export async function generateStructured<S extends z.ZodType>(
  registry: ProviderRegistry,
  request: ModelCallRequest & { schema: S; attempts: number },
): Promise<{ value: z.infer<S>; attempts: number }> {
  const { schema, attempts, ...call } = request;
  const messages: BudgetMessage[] = [...call.messages];
  let problems = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const result = await generateModel(registry, { ...call, messages });
    const parsed = parseStructured(result.text, schema);
    if (parsed.ok) return { value: parsed.value, attempts: attempt };
    problems = parsed.problems;
    messages.push(
      { role: 'assistant', content: result.text },
      {
        role: 'user',
        content: `Your answer is not valid: ${problems}\nAnswer again with only the corrected JSON object, no prose and no code fence.`,
      },
    );
  }
  throw new AgentError(
    'STRUCTURED_OUTPUT_INVALID',
    `the model's answer stayed invalid after ${attempts} attempts: ${problems}`,
  );
}

export type StructuredParse<T> = { ok: true; value: T } | { ok: false; problems: string };

export function parseStructured<S extends z.ZodType>(text: string, schema: S): StructuredParse<z.infer<S>> {
  const json = extractJsonObject(text);
  if (json === undefined) return { ok: false, problems: 'it contains no JSON object' };
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    return { ok: false, problems: `the JSON does not parse (${(error as Error).message})` };
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues
    .slice(0, 8)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
  return { ok: false, problems: `the JSON does not match the schema (${issues})` };
}

/**
 * The outermost `{…}` of an answer, tolerating prose and fences around it and trailing commas
 * (a frequent small-model slip). Strings are skipped while matching braces.
 */
export function extractJsonObject(text: string): string | undefined {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return stripTrailingCommas(text.slice(start, i + 1));
  }
  return undefined;
}

function stripTrailingCommas(json: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += json[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (c === ',') {
      const next = /^\s*([}\]])/.exec(json.slice(i + 1));
      if (next) continue;
    }
    out += c;
  }
  return out;
}
