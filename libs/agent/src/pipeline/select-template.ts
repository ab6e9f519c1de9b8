import { z } from 'zod';

export const ZTemplateInfo = z.object({
  /** The template's folder name, as the sandbox knows it. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  description: z.string(),
  /** Words that point at this template in a prompt ("realtime", "chat", "table"). */
  keywords: z.array(z.string()).default([]),
});
export type TTemplateInfo = z.infer<typeof ZTemplateInfo>;

export interface TemplateChoice {
  template: TTemplateInfo;
  /** `model`: the model's choice was a known template; `keywords`: the fallback decided. */
  by: 'model' | 'keywords';
}

/**
 * The model's choice when it names a known template (case and spacing forgiven); otherwise the
 * template whose keywords, name and description share the most words with the prompt, the first
 * listed one on a tie — so the same prompt always gets the same template.
 */
export function selectTemplate(
  templates: readonly TTemplateInfo[],
  prompt: string,
  modelChoice: string | undefined,
): TemplateChoice {
  const first = templates[0];
  if (!first) throw new RangeError('selectTemplate needs at least one template');
  if (modelChoice !== undefined) {
    const wanted = normalize(modelChoice);
    const named = templates.find((t) => normalize(t.name) === wanted);
    if (named) return { template: named, by: 'model' };
  }
  const words = new Set(wordsOf(prompt));
  let best = first;
  let bestScore = -1;
  for (const t of templates) {
    // Keywords are the template author's explicit signal: they weigh more than description words.
    const score =
      t.keywords.reduce((n, k) => n + (wordsOf(k).every((w) => words.has(w)) ? 3 : 0), 0) +
      [...new Set(wordsOf(`${t.name} ${t.description}`))].filter((w) => words.has(w)).length;
    if (score > bestScore) {
      best = t;
      bestScore = score;
    }
  }
  return { template: best, by: 'keywords' };
}

const STOP_WORDS = new Set(['a', 'an', 'and', 'the', 'with', 'of', 'for', 'to', 'in', 'on', 'app', 'that', 'is']);

function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0 && !STOP_WORDS.has(w));
}

function normalize(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
}
